#!/usr/bin/env bash
# Fetches opentelemetry-cpp for the peer benchmark (otelcpp-bench) into a private prefix, on a Debian
# that does not package it (Debian 12). It takes Debian 13's (trixie's) binary packages: the library, its
# -dev files, and the runtime they were built for (glibc 2.41, libstdc++ 14, abseil, protobuf), checks
# every file against the suite's signed index, and unpacks them with dpkg-deb -x. Nothing is installed
# on the system: the prefix is a directory, used only by otelcpp-bench (bench/peers/README.md).
#
#   bench/peers/fetch-otelcpp.sh [--force] [PREFIX]
#     PREFIX   where to unpack (default: $OTELCPP_ROOT, else <repo>/build-peers/otelcpp-root)
#     --force  fetch even when the system's opentelemetry-cpp is usable, and fetch again
#   Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), OTELCPP_SUITE (default trixie),
#                DEBIAN_KEYRING (default /usr/share/keyrings/debian-archive-keyring.gpg).
#
# Where find_package(opentelemetry-cpp) already works (Debian 13 with opentelemetry-cpp-dev and the
# -dev packages of its dependencies installed), it says so and does nothing. Prints the prefix on stdout
# as its last line; everything else goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
force=0
prefix="${OTELCPP_ROOT:-}"
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fetch-otelcpp: unknown option $a" >&2; exit 2 ;;
    *) prefix="$a" ;;
  esac
done
[[ -n "$prefix" ]] || prefix="$root/build-peers/otelcpp-root"
[[ "$prefix" = /* ]] || prefix="$PWD/$prefix"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="${OTELCPP_SUITE:-trixie}"
keyring="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
say() { echo "fetch-otelcpp: $*" >&2; }
die() { say "$*"; exit 1; }

# The packages: the library and its headers/CMake files; abseil (the headers use absl::variant: the
# package is built WITH_ABSEIL) and protobuf (headers and runtime of libopentelemetry_proto, for the
# OTLP recordable); and the runtime all of them were built against, which Debian 12 lacks: glibc >= 2.38,
# libstdc++ >= 14 (libgcc_s with it) and zlib (protobuf's). gRPC and curl are not fetched: they serve the
# OTLP exporters only, which otelcpp-bench does not link.
packages=(opentelemetry-cpp opentelemetry-cpp-dev libabsl20240722 libabsl-dev libprotobuf32t64 libprotobuf-dev
          libc6 libstdc++6 libgcc-s1 zlib1g)

# 1. Is the system's own package usable? The same lookup as bench/peers/CMakeLists.txt, in a scratch
#    project (bench/peers/otelcpp.cmake does the finding for both).
if [[ $force = 0 ]] && command -v cmake >/dev/null; then
  probe="$(mktemp -d)"
  trap 'rm -rf "$probe"' EXIT
  cat >"$probe/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(otelcpp_probe CXX)
include("$here/otelcpp.cmake")
otelcpp_bench_find("")
if(NOT OTELCPP_BENCH_FOUND)
  message(FATAL_ERROR "not found")
endif()
EOF
  if cmake -S "$probe" -B "$probe/b" >"$probe/log" 2>&1; then
    say "the system's opentelemetry-cpp is usable ($(grep -o 'opentelemetry-cpp [0-9.]*' "$probe/log" | head -1)); nothing to fetch"
    say "(build with -DOTELC_BENCH_PEERS=ON and no OTELCPP_ROOT; --force fetches the private prefix anyway)"
    exit 0
  fi
fi

for t in curl gpgv xz dpkg-deb sha256sum awk; do
  command -v "$t" >/dev/null || die "needs $t"
done
arch="$(dpkg --print-architecture 2>/dev/null || echo amd64)"

stamp="$prefix/.otelcpp-fetched"
if [[ $force = 0 && -f "$stamp" ]] && [[ "$(head -1 "$stamp")" == "$suite ${packages[*]}" ]]; then
  say "already fetched into $prefix ($(sed -n 2p "$stamp")); --force fetches again"
  echo "$prefix"
  exit 0
fi

dl="$prefix/.debs"
mkdir -p "$dl"
fetch() { # url out
  curl -fsSL --retry 3 --connect-timeout 20 -o "$2.part" "$1" || die "download failed: $1"
  mv "$2.part" "$2"
}

# 2. The suite's index, checked: InRelease is signed by Debian's archive key (debian-archive-keyring has
#    trixie's keys, also on Debian 12); it gives the SHA256 of Packages.xz, which gives each .deb's.
say "fetching the $suite index from $mirror"
fetch "$mirror/dists/$suite/InRelease" "$dl/InRelease"
gpgv --keyring "$keyring" "$dl/InRelease" 2>"$dl/gpgv.log" || {
  cat "$dl/gpgv.log" >&2
  die "the signature of $suite's InRelease does not verify against $keyring"
}
idx="main/binary-$arch/Packages.xz"
want="$(awk -v f="$idx" '/^SHA256:/{s=1; next} /^[^ ]/{s=0} s && $3==f {print $1}' "$dl/InRelease")"
[[ -n "$want" ]] || die "InRelease lists no SHA256 for $idx"
fetch "$mirror/dists/$suite/$idx" "$dl/Packages.xz"
echo "$want  $dl/Packages.xz" | sha256sum -c --quiet - >&2 || die "Packages.xz does not match InRelease"
xz -dc "$dl/Packages.xz" >"$dl/Packages"

# 3. Each package: its Filename, SHA256 and Version from the index; downloaded, checked, unpacked.
mkdir -p "$prefix"
versions=()
for p in "${packages[@]}"; do
  read -r file sha ver < <(awk -v p="$p" '
    $0 == "Package: " p {f = 1; next}
    f && /^Filename: / {fn = $2} f && /^SHA256: / {sh = $2} f && /^Version: / {v = $2}
    f && /^$/ {print fn, sh, v; exit}' "$dl/Packages") || true
  [[ -n "${file:-}" && -n "${sha:-}" ]] || die "$p is not in $suite's index for $arch"
  deb="$dl/$(basename "$file")"
  if [[ ! -f "$deb" ]] || ! echo "$sha  $deb" | sha256sum -c --quiet - >/dev/null 2>&1; then
    say "fetching $p $ver"
    fetch "$mirror/$file" "$deb"
    echo "$sha  $deb" | sha256sum -c --quiet - >&2 || die "$deb does not match the index's SHA256"
  fi
  dpkg-deb -x "$deb" "$prefix"
  versions+=("$p=$ver")
done

# 4. Absolute symlinks point at the host (e.g. /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/...):
#    re-point them inside the prefix.
while IFS= read -r -d '' l; do
  t="$(readlink "$l")"
  [[ "$t" = /* ]] || continue
  ln -sfn "$prefix$t" "$l"
done < <(find "$prefix" -path "$dl" -prune -o -type l -print0)

# 5. Check: the loader is there, and every library the benchmark links, and what they need in turn,
#    is found in the prefix (the loader runs with the prefix's directories only: bench/peers/README.md).
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
libdirs=()
for d in "$prefix/usr/lib/$multiarch" "$prefix/lib/$multiarch"; do [[ -d "$d" ]] && libdirs+=("$d"); done
loader="$(find "${libdirs[@]}" -maxdepth 1 -name 'ld-linux*.so*' | head -1)"
[[ -n "$loader" && -e "$loader" ]] || die "no dynamic loader (ld-linux*.so*) in $prefix"
missing=0
if command -v readelf >/dev/null; then
  todo=()
  for lib in common resources trace logs metrics proto otlp_recordable; do todo+=("libopentelemetry_$lib.so"); done
  declare -A seen=()
  while [[ ${#todo[@]} -gt 0 ]]; do
    n="${todo[0]}"
    todo=("${todo[@]:1}")
    [[ -z "${seen[$n]:-}" ]] || continue
    seen[$n]=1
    so=""
    for d in "${libdirs[@]}"; do [[ -e "$d/$n" ]] && so="$d/$n" && break; done
    if [[ -z "$so" ]]; then
      say "$n is not in the prefix"
      missing=1
      continue
    fi
    for m in $(readelf -d "$so" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do todo+=("$m"); done
  done
  say "checked ${#seen[@]} libraries: the benchmark's and everything they need are in the prefix"
fi
[[ $missing = 0 ]] || die "the prefix is incomplete (see above)"

rm -f "$dl/Packages" # 55 MB uncompressed; Packages.xz stays with the .debs
{
  echo "$suite ${packages[*]}"
  echo "${versions[*]}"
} >"$stamp"
say "unpacked into $prefix: ${versions[*]}"
say "loader: $loader"
echo "$prefix"
