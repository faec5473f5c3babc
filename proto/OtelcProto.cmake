# Generates the OTLP nanopb C code at build time (never committed) with Debian's generator, and compiles
# it once into the object library otelc_otlp_proto, which the receiver (and through it the tests) links
# to decode requests. The exporter libraries use only the generated headers (field tags); they depend on
# this target so the headers exist before they compile. Included by exporters/otlp_http.
# Sets OTELC_PROTO_SOURCES and OTELC_PROTO_INCLUDE_DIR.
#
# The generated files belong to exactly one target: when the static and the shared exporter each listed
# them as sources, a parallel build ran the generator for the same file twice at once, and the two runs
# raced on creating its directory (FileExistsError in a fresh build tree).
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
  # The generator creates the output directory without tolerating one that appears meanwhile; make it
  # at configure time so no two generator runs ever create the same directory.
  get_filename_component(out_dir ${out} DIRECTORY)
  file(MAKE_DIRECTORY ${out_dir})
endforeach()

find_path(OTELC_NANOPB_INCLUDE pb_encode.h REQUIRED)
add_library(otelc_otlp_proto OBJECT ${OTELC_PROTO_SOURCES})
set_target_properties(otelc_otlp_proto PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_include_directories(otelc_otlp_proto PRIVATE ${OTELC_PROTO_INCLUDE_DIR} ${OTELC_NANOPB_INCLUDE})
