# otelc_add_library(<name> SOURCES ... PUBLIC_INCLUDE <dir> [DEPS ...] [PRIVATE_DEPS ...])
# Builds <name> (static, exported as otelc::<short>) and, with OTELC_BUILD_SHARED, <name>_shared with
# output name <name>. Tests and examples link the static targets so the suite needs no rpath games.
set(OTELC_WARNINGS -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wno-unused-parameter)
set(OTELC_ALL_TARGETS "" CACHE INTERNAL "")

# Thread-local variables (span pools, counters, id generators, key caches) are read on every span. In a
# shared library the default TLS model calls __tls_get_addr for each access (about 30 calls, 12% of the
# instructions of a recorded span); TLS descriptors (x86-64 "gnu2") resolve to one indirect call
# returning a fixed offset, and still work when the library is dlopen()ed, unlike initial-exec.
include(CheckCCompilerFlag)
check_c_compiler_flag(-mtls-dialect=gnu2 OTELC_HAVE_TLS_GNU2)
set(OTELC_TLS_FLAGS "")
if(OTELC_HAVE_TLS_GNU2 AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  set(OTELC_TLS_FLAGS -mtls-dialect=gnu2)
endif()

function(otelc_add_library name)
  cmake_parse_arguments(L "" "PUBLIC_INCLUDE;EXPORT_NAME" "SOURCES;DEPS;PRIVATE_DEPS;PRIVATE_INCLUDE" ${ARGN})
  set(kinds STATIC)
  if(OTELC_BUILD_SHARED)
    list(APPEND kinds SHARED)
  endif()
  foreach(kind ${kinds})
    if(kind STREQUAL "STATIC")
      set(t ${name})
    else()
      set(t ${name}_shared)
    endif()
    add_library(${t} ${kind} ${L_SOURCES})
    set_target_properties(${t} PROPERTIES OUTPUT_NAME ${name} EXPORT_NAME ${L_EXPORT_NAME}${_suffix}
                          VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR})
    if(kind STREQUAL "SHARED")
      set_target_properties(${t} PROPERTIES EXPORT_NAME ${L_EXPORT_NAME}_shared)
    endif()
    target_compile_options(${t} PRIVATE ${OTELC_WARNINGS} ${OTELC_TLS_FLAGS})
    target_include_directories(${t} PUBLIC
      $<BUILD_INTERFACE:${L_PUBLIC_INCLUDE}>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    if(L_PRIVATE_INCLUDE)
      target_include_directories(${t} PRIVATE ${L_PRIVATE_INCLUDE})
    endif()
    set(deps "")
    foreach(d ${L_DEPS})
      if(kind STREQUAL "SHARED" AND TARGET ${d}_shared)
        list(APPEND deps ${d}_shared)
      else()
        list(APPEND deps ${d})
      endif()
    endforeach()
    target_link_libraries(${t} PUBLIC ${deps})
    if(L_PRIVATE_DEPS)
      target_link_libraries(${t} PRIVATE ${L_PRIVATE_DEPS})
    endif()
    set(OTELC_ALL_TARGETS ${OTELC_ALL_TARGETS} ${t} CACHE INTERNAL "")
  endforeach()
  add_library(otelc::${L_EXPORT_NAME} ALIAS ${name})
  install(DIRECTORY ${L_PUBLIC_INCLUDE}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# Our own warning set for executables (tests, examples, tools, bench).
function(otelc_strict target)
  target_compile_options(${target} PRIVATE ${OTELC_WARNINGS})
endfunction()
