# The libevent-compat install component: a directory of its own,
# ${libdir}/libev/libevent-compat/, that makes libev look like libevent to
# build systems which hard-code -levent / -levent_core or ask pkg-config for
# libevent / libevent_core:
#   lib/libev-*.so           links to the installed libev libraries
#   lib/libevent_core.so     link to libev-core
#   lib/libevent_pthreads.so link to libev-core (the threads glue is there)
#   lib/libevent.so          linker script: INPUT(-lev-core -lev-dns -lev-http)
#   lib/libevent_extra.so    linker script: INPUT(-lev-dns -lev-http)
#   include                  link to ${includedir}/libev
#   libevent*.pc             pkg-config files (also in lib/pkgconfig/)
# Usage: PKG_CONFIG_PATH=<dir> ./configure, or ./configure
# --with-libevent=<dir>.  Everything is relative (links and ${pcfiledir}),
# so the directory survives DESTDIR and relocated prefixes.  It is staged in
# the build tree at configure time and installed as it is.

set(_compat_rel "${CMAKE_INSTALL_LIBDIR}/libev/libevent-compat")
set(_stage "${CMAKE_BINARY_DIR}/libevent-compat")
file(REMOVE_RECURSE "${_stage}")
file(MAKE_DIRECTORY "${_stage}/lib/pkgconfig")

# The file a library's SONAME names (libev-core.so.0), from its target.
function(_libev_soname_file target outvar)
  get_target_property(out ${target} OUTPUT_NAME)
  if(NOT out)
    set(out ${target})
  endif()
  get_target_property(sover ${target} SOVERSION)
  set(f "${CMAKE_SHARED_LIBRARY_PREFIX}${out}${CMAKE_SHARED_LIBRARY_SUFFIX}")
  if(NOT "${sover}" STREQUAL "" AND NOT "${sover}" MATCHES "NOTFOUND$")
    string(APPEND f ".${sover}")
  endif()
  set(${outvar} "${f}" PARENT_SCOPE)
endfunction()

# lib/ is three levels below ${libdir}: libev/libevent-compat/lib.
set(_libs "")
foreach(t libev-core libev-dns libev-http)
  if(TARGET ${t})
    _libev_soname_file(${t} _so)
    get_target_property(_out ${t} OUTPUT_NAME)
    file(CREATE_LINK "../../../${_so}"
      "${_stage}/lib/lib${_out}${CMAKE_SHARED_LIBRARY_SUFFIX}" SYMBOLIC)
    list(APPEND _libs "-l${_out}")
  endif()
endforeach()
file(CREATE_LINK "libev-core${CMAKE_SHARED_LIBRARY_SUFFIX}"
  "${_stage}/lib/libevent_core${CMAKE_SHARED_LIBRARY_SUFFIX}" SYMBOLIC)
file(CREATE_LINK "libev-core${CMAKE_SHARED_LIBRARY_SUFFIX}"
  "${_stage}/lib/libevent_pthreads${CMAKE_SHARED_LIBRARY_SUFFIX}" SYMBOLIC)
# libevent and libevent_extra span several libev libraries: a GNU linker
# script names them all (as libc.so does), resolved through lib/ above.
string(JOIN " " _all ${_libs})
file(WRITE "${_stage}/lib/libevent${CMAKE_SHARED_LIBRARY_SUFFIX}"
  "/* libev's stand-in for libevent: every libev library. */\nINPUT(${_all})\n")
set(_extra ${_libs})
list(REMOVE_ITEM _extra -lev-core)
if(_extra)
  string(JOIN " " _extra_s ${_extra})
  file(WRITE "${_stage}/lib/libevent_extra${CMAKE_SHARED_LIBRARY_SUFFIX}"
    "/* libev's stand-in for libevent_extra: DNS and HTTP. */\nINPUT(${_extra_s})\n")
endif()

file(RELATIVE_PATH _inc "${CMAKE_INSTALL_FULL_LIBDIR}/libev/libevent-compat"
  "${CMAKE_INSTALL_FULL_INCLUDEDIR}/${LIBEV_INCLUDE_SUBDIR}")
file(CREATE_LINK "${_inc}" "${_stage}/include" SYMBOLIC)

# pkg-config files, once for <dir> and once for <dir>/lib/pkgconfig.
set(_pcs libevent libevent_core libevent_pthreads)
if(_extra)
  list(APPEND _pcs libevent_extra)
endif()
foreach(pc ${_pcs})
  string(REGEX REPLACE "^lib" "" _lname "${pc}")
  foreach(where "." "lib/pkgconfig")
    if(where STREQUAL ".")
      set(_prefix "\${pcfiledir}")
    else()
      set(_prefix "\${pcfiledir}/../..")
    endif()
    file(WRITE "${_stage}/${where}/${pc}.pc"
"# ${pc} provided by libev ${PROJECT_VERSION} (libevent-compat component)
prefix=${_prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: ${pc}
Description: libevent API implemented by libev
Version: 2.1.12-libev
Libs: -L\${libdir} -l${_lname}
Libs.private: -lpthread -ldl
Cflags: -I\${includedir}
")
  endforeach()
endforeach()

install(DIRECTORY "${_stage}/" DESTINATION "${_compat_rel}"
  COMPONENT libevent-compat USE_SOURCE_PERMISSIONS)

# Test: install core + dev + backends (+ dns, http) + libevent-compat into a
# scratch prefix and build a libevent program with the libevent names only.
if(LIBEV_BUILD_TESTS)
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_EXECUTABLE)
    enable_testing()
    get_property(_backends GLOBAL PROPERTY LIBEV_BACKENDS)
    set(_comps core dev libevent-compat)
    if(NOT LIBEV_BUILTIN_BACKENDS)
      foreach(b ${_backends})
        list(APPEND _comps backend-${b})
      endforeach()
    endif()
    foreach(c dns http)
      if(TARGET libev-${c})
        list(APPEND _comps ${c})
      endif()
    endforeach()
    string(JOIN "," _comps_s ${_comps})
    add_test(NAME libevent-compat-pkgconfig
      COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/test-libevent-compat.sh"
        "${CMAKE_BINARY_DIR}" "${CMAKE_BINARY_DIR}/test-libevent-compat"
        "${_compat_rel}" "${_comps_s}" "${CMAKE_C_COMPILER}"
        "${PKG_CONFIG_EXECUTABLE}" "${CMAKE_INSTALL_LIBDIR}" "${CMAKE_COMMAND}"
        "${CMAKE_C_FLAGS}")
    set_tests_properties(libevent-compat-pkgconfig PROPERTIES
      LABELS "compat;packaging" TIMEOUT 120)
  endif()
endif()
