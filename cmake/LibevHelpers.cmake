# Helpers shared by every component's CMakeLists.

# libev_warnings(target): the project's own warning set; -Werror unless
# LIBEV_WERROR is OFF (distributions building with newer compilers).
function(libev_warnings target)
  if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow
      -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wformat=2)
    if(LIBEV_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()

# libev_add_backend(NAME SOURCES...): one backend module.  Built as
# libev-backend-NAME.so (dlopen'd by the core) unless LIBEV_BUILTIN_BACKENDS,
# in which case the sources are compiled into libev-core itself.
function(libev_add_backend name)
  set(sources ${ARGN})
  list(TRANSFORM sources PREPEND "${CMAKE_CURRENT_SOURCE_DIR}/")
  set_property(GLOBAL APPEND PROPERTY LIBEV_BACKENDS ${name})
  libev_add_conformance_variant(${name} ${name})
  if(LIBEV_BUILTIN_BACKENDS)
    set_property(GLOBAL APPEND PROPERTY LIBEV_BUILTIN_SOURCES ${sources})
    return()
  endif()
  add_library(libev-backend-${name} MODULE ${sources})
  set_target_properties(libev-backend-${name} PROPERTIES
    PREFIX "" OUTPUT_NAME "libev-backend-${name}"
    LIBRARY_OUTPUT_DIRECTORY "${LIBEV_MODULE_BUILD_DIR}"
    C_VISIBILITY_PRESET hidden)
  target_include_directories(libev-backend-${name} PRIVATE
    "${PROJECT_SOURCE_DIR}/core/include")
  libev_warnings(libev-backend-${name})
  install(TARGETS libev-backend-${name}
    LIBRARY DESTINATION "${LIBEV_MODULE_INSTALL_DIR}" COMPONENT backend-${name})
endfunction()

# libev_add_conformance_variant(LABEL BACKEND [MODULE_DIR]): one more
# backend the conformance suite runs against.  Tests are named
# <test>__<LABEL> and labelled backend:<LABEL>; they run with
# EV_BACKEND=BACKEND and, when MODULE_DIR is given (test-only modules such
# as the emulated kqueue), EV_BACKEND_PATH=MODULE_DIR.  Variants must be
# declared before tests/conformance is processed.
function(libev_add_conformance_variant label backend)
  set(env "EV_BACKEND=${backend}")
  if(ARGC GREATER 2)
    list(APPEND env "EV_BACKEND_PATH=${ARGV2}")
  endif()
  set_property(GLOBAL APPEND PROPERTY LIBEV_CONFORMANCE_LABELS ${label})
  set_property(GLOBAL PROPERTY LIBEV_CONFORMANCE_ENV_${label} "${env}")
endfunction()
