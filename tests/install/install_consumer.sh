#!/usr/bin/env bash
# Installs the build tree into a temporary prefix and builds a consumer against it both ways:
# pkg-config (shared and static) and CMake find_package (static and shared targets). Runs each.
set -euo pipefail
build="$1"; src="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir="$(ls -d "$prefix"/lib* | head -1)"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc=${CC:-cc}

echo "-- pkg-config, shared"
$cc -std=c11 "$src/consumer.c" -o "$work/pc_shared" $(pkg-config --cflags --libs otelc)
LD_LIBRARY_PATH="$libdir" "$work/pc_shared"
echo "-- pkg-config, static"
$cc -std=c11 "$src/consumer.c" -o "$work/pc_static" $(pkg-config --cflags otelc) \
  -Wl,-Bstatic $(pkg-config --libs-only-l otelc | sed 's/-lpthread//; s/-lm//') -Wl,-Bdynamic \
  -L"$libdir" $(pkg-config --static --libs otelc | tr ' ' '\n' | grep -vE '^-lotelc' | tr '\n' ' ')
"$work/pc_static"
echo "-- CMake find_package"
cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake" >/dev/null
"$work/cmake/consumer_static"
LD_LIBRARY_PATH="$libdir" "$work/cmake/consumer_shared"
echo "install consumer: all four builds ran"
