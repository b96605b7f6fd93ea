# Fails unless README.md quotes each given example file verbatim, so that a
# snippet shown to readers is the program the examples' tests build and run
# (a one-line comment opening the file is left out of the comparison).
# Usage: cmake -DREADME=README.md -DFILES="a.c|b.c" -P check-readme.cmake
file(READ "${README}" readme)
string(REPLACE "|" ";" files "${FILES}")
set(failed 0)
foreach(f ${files})
  file(READ "${f}" text)
  # A one-line comment opening the file (its role) is not part of the
  # snippet.
  if(text MATCHES "^/\\*[^\n]*\\*/\n")
    string(LENGTH "${CMAKE_MATCH_0}" skip)
    string(SUBSTRING "${text}" ${skip} -1 text)
  endif()
  string(FIND "${readme}" "${text}" at)
  if(at EQUAL -1)
    message(SEND_ERROR "${README} does not quote ${f} verbatim: update "
      "the snippet from the file")
    set(failed 1)
  else()
    message(STATUS "${f}: quoted verbatim")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "README snippets differ from the example files")
endif()
