# Installs every library (static and shared), the headers (done per library), a CMake package
# (find_package(otelc) -> otelc::otelc, otelc::sdk, otelc::api, ...; *_shared for the shared ones) and
# an otelc.pc pkg-config file.
include(CMakePackageConfigHelpers)

install(TARGETS ${OTELC_ALL_TARGETS} EXPORT otelcTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT otelcTargets NAMESPACE otelc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/otelc)

set(OTELC_CONFIG_OTLP ${OTELC_ENABLE_OTLP})
if(NOT TARGET otelc_otlp_http)
  set(OTELC_CONFIG_OTLP OFF)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/otelcConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/otelcConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/otelc)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/otelcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/otelcConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/otelcConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/otelc)

set(OTELC_PC_LIBS "-lotelc -lotelc_exporter_console -lotelc_exporter_memory")
set(OTELC_PC_PRIVATE "-lpthread -lm")
set(OTELC_PC_REQUIRES_PRIVATE "")
if(OTELC_CONFIG_OTLP)
  string(APPEND OTELC_PC_LIBS " -lotelc_otlp_http")
  # libcurl and zlib as plain -l flags, not Requires.private: `pkg-config --static` would expand
  # libcurl's own static dependencies (nghttp2, ssh2, ...), whose archives Debian does not ship,
  # while our static archives only need the shared libcurl.
  string(APPEND OTELC_PC_PRIVATE " -lprotobuf-nanopb -lmbedtls -lmbedx509 -lmbedcrypto -lcjson -lcurl -lz")
  set(OTELC_PC_REQUIRES_PRIVATE "")
endif()
string(APPEND OTELC_PC_LIBS " -lotelc_sdk -lotelc_api")
file(RELATIVE_PATH OTELC_PC_PREFIX_REL ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" OTELC_PC_PREFIX_REL "${OTELC_PC_PREFIX_REL}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/otelc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/otelc.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/otelc.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# contrib/thread_ctx has its own pkg-config file: `pkg-config --libs otelc-thread-ctx` adds the library
# and, for static linking, the flag that exports the OTEP 4947 TLS symbol from the executable.
if(TARGET otelc_thread_ctx)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/otelc-thread-ctx.pc.in ${CMAKE_CURRENT_BINARY_DIR}/otelc-thread-ctx.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/otelc-thread-ctx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()
