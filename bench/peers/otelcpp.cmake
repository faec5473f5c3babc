# Finds opentelemetry-cpp for otelcpp-bench; used by bench/peers/CMakeLists.txt and by the probe in
# fetch-otelcpp.sh, so both agree on what "usable" means.
#
#   otelcpp_bench_find(<root>)
#     <root> empty: the system's package (find_package(opentelemetry-cpp CONFIG), CMAKE_PREFIX_PATH).
#     <root> set:   the private prefix unpacked by fetch-otelcpp.sh (Debian 13's packages under
#                   <root>/usr, with the runtime they need: loader, libc, libstdc++).
#   Sets OTELCPP_BENCH_FOUND, OTELCPP_BENCH_WHY (why not), OTELCPP_BENCH_LIBDIR (the package's library
#   directory) and, with a root, OTELCPP_BENCH_LOADER (the prefix's dynamic loader) and
#   OTELCPP_BENCH_RPATH (its library directories).
#
# The package's config file find_dependency()s abseil, Protobuf and gRPC whatever one links. gRPC serves
# only the gRPC exporter, which otelcpp-bench does not use: when gRPC's own config is not found, a stub
# (bench/peers/cmake/gRPCConfig.cmake: an empty gRPC::grpc++) stands in for it, so Debian 12 needs no
# gRPC from Debian 13, and Debian 13 no libgrpc++-dev.
set(_OTELCPP_BENCH_MODULE_DIR "${CMAKE_CURRENT_LIST_DIR}")
macro(otelcpp_bench_find _otelcpp_root)
  set(OTELCPP_BENCH_FOUND FALSE)
  set(OTELCPP_BENCH_WHY "")
  set(OTELCPP_BENCH_LOADER "")
  set(OTELCPP_BENCH_RPATH "")
  set(_otelcpp_ma "${CMAKE_LIBRARY_ARCHITECTURE}")
  if(NOT _otelcpp_ma)
    set(_otelcpp_ma "x86_64-linux-gnu")
  endif()
  if(NOT "${_otelcpp_root}" STREQUAL "")
    # The prefix first, for the package and its dependencies (abseil's config, Protobuf's headers and
    # library through FindProtobuf), ahead of anything the system has (Debian 12's own abseil/protobuf).
    list(PREPEND CMAKE_PREFIX_PATH "${_otelcpp_root}/usr")
    set(opentelemetry-cpp_DIR "${_otelcpp_root}/usr/lib/${_otelcpp_ma}/cmake/opentelemetry-cpp")
    set(absl_DIR "${_otelcpp_root}/usr/lib/${_otelcpp_ma}/cmake/absl")
    file(GLOB _otelcpp_loader "${_otelcpp_root}/usr/lib/${_otelcpp_ma}/ld-linux*.so*"
         "${_otelcpp_root}/lib/${_otelcpp_ma}/ld-linux*.so*")
    list(LENGTH _otelcpp_loader _otelcpp_n)
    if(_otelcpp_n EQUAL 0)
      set(OTELCPP_BENCH_WHY "no dynamic loader in ${_otelcpp_root} (run bench/peers/fetch-otelcpp.sh)")
    else()
      list(GET _otelcpp_loader 0 OTELCPP_BENCH_LOADER)
      set(OTELCPP_BENCH_RPATH "${_otelcpp_root}/usr/lib/${_otelcpp_ma}")
      if(IS_DIRECTORY "${_otelcpp_root}/lib/${_otelcpp_ma}")
        list(APPEND OTELCPP_BENCH_RPATH "${_otelcpp_root}/lib/${_otelcpp_ma}")
      endif()
    endif()
  endif()
  if(OTELCPP_BENCH_WHY STREQUAL "")
    find_package(gRPC CONFIG QUIET)
    if(NOT gRPC_FOUND)
      set(gRPC_DIR "${_OTELCPP_BENCH_MODULE_DIR}/cmake")
    endif()
    find_package(opentelemetry-cpp CONFIG QUIET)
    if(NOT opentelemetry-cpp_FOUND)
      set(OTELCPP_BENCH_WHY "find_package(opentelemetry-cpp) failed (not installed, or abseil/Protobuf missing)")
    elseif(NOT TARGET opentelemetry-cpp::trace)
      set(OTELCPP_BENCH_WHY "opentelemetry-cpp found without the opentelemetry-cpp::trace target")
    else()
      set(OTELCPP_BENCH_FOUND TRUE)
      get_filename_component(OTELCPP_BENCH_LIBDIR "${opentelemetry-cpp_DIR}/../.." ABSOLUTE)
      message(STATUS "otelcpp-bench: opentelemetry-cpp ${opentelemetry-cpp_VERSION} (${opentelemetry-cpp_DIR})")
    endif()
  endif()
endmacro()
