#!/usr/bin/env bash
# Installs the Debian 12 packages otelc needs to build, test and run its demo; only those missing.
# Run as root (or with sudo available). Safe to run repeatedly.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkgconf git            # toolchain
  clang libclang-rt-14-dev                     # libFuzzer targets
  nanopb libnanopb-dev python3-protobuf        # OTLP protobuf encoding (generator runs on Debian's python3)
  libcurl4-openssl-dev zlib1g-dev libmbedtls-dev  # OTLP/HTTP transport, gzip, certificate checks
  libcjson-dev                                 # JSON (OTLP/JSON, receiver, http_service example)
  libcmocka-dev                                # unit tests
  valgrind                                     # leak checks of the fork tests (memcheck follows fork children)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
