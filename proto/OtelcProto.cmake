# Generates the OTLP nanopb C code at build time (never committed) with Debian's generator.
# Included by exporters/otlp_http, which compiles the sources into otelc_otlp_http and exports the
# include directory (build tree only) to the receiver and tests.
# Sets OTELC_PROTO_SOURCES and OTELC_PROTO_INCLUDE_DIR.
set(OTELC_PROTO_DIR ${PROJECT_SOURCE_DIR}/proto)
set(OTELC_PROTO_INCLUDE_DIR ${PROJECT_BINARY_DIR}/proto)
# The generator must run on Debian's python3 (it imports google.protobuf), so call the script itself.
find_program(OTELC_NANOPB_GENERATOR nanopb_generator.py PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT OTELC_NANOPB_GENERATOR)
  find_program(OTELC_NANOPB_GENERATOR nanopb_generator.py REQUIRED)
endif()

set(OTELC_PROTO_SOURCES "")
foreach(p common/v1/common resource/v1/resource trace/v1/trace collector/trace/v1/trace_service
          metrics/v1/metrics collector/metrics/v1/metrics_service)
  set(rel opentelemetry/proto/${p})
  set(out ${OTELC_PROTO_INCLUDE_DIR}/${rel})
  add_custom_command(
    OUTPUT ${out}.pb.c ${out}.pb.h
    COMMAND ${CMAKE_COMMAND} -E make_directory ${OTELC_PROTO_INCLUDE_DIR}
    COMMAND ${OTELC_NANOPB_GENERATOR} -q -I . -D ${OTELC_PROTO_INCLUDE_DIR} -f ${rel}.options ${rel}.proto
    WORKING_DIRECTORY ${OTELC_PROTO_DIR}
    DEPENDS ${OTELC_PROTO_DIR}/${rel}.proto ${OTELC_PROTO_DIR}/${rel}.options
    COMMENT "nanopb: ${rel}.proto"
    VERBATIM)
  list(APPEND OTELC_PROTO_SOURCES ${out}.pb.c)
endforeach()
