# Stand-in for gRPC's CMake config, used only by otelcpp-bench (bench/peers/otelcpp.cmake) when gRPC's
# own is not found: opentelemetry-cpp's config find_dependency()s gRPC for its gRPC exporter targets,
# which otelcpp-bench never links. An empty gRPC::grpc++ satisfies the exported target list; linking a
# gRPC exporter target against it would fail at link time, not silently.
set(gRPC_FOUND TRUE)
set(gRPC_VERSION "0.0.0-otelcpp-bench-stub")
if(NOT TARGET gRPC::grpc++)
  add_library(gRPC::grpc++ INTERFACE IMPORTED)
endif()
