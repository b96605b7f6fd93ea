# Renders every man page with groff's warnings all on (-ww) and fails on any
# diagnostic: groff exits 0 after a warning, so stderr is what is checked.
# Usage: cmake -DGROFF=/usr/bin/groff -DPAGES="a.3|b.7" -P check-man.cmake
string(REPLACE "|" ";" pages "${PAGES}")
set(failed 0)
foreach(page ${pages})
  execute_process(
    COMMAND "${GROFF}" -ww -man -Tutf8 -z "${page}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(SEND_ERROR "${page}: groff exit ${rc}\n${err}")
    set(failed 1)
  else()
    message(STATUS "${page}: no warnings")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "man pages with warnings")
endif()
