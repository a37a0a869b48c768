#!/usr/bin/env bash
# Installs every Debian 12 package that the build, the tests, the benchmarks and the demo need.
# Idempotent: when everything is present it only runs `dpkg-query` and returns in well under a second.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git clang clang-format libclang-rt-14-dev
  # core
  libsodium-dev libssl-dev libipsec-mb-dev libfmt-dev libspdlog-dev
  # dataplane
  libdpdk-dev dpdk libpcap-dev liburing-dev iproute2
  # storage
  librocksdb-dev
  # net
  libisal-dev libprotobuf-dev protobuf-compiler libasio-dev zlib1g-dev
  # node (prometheus: promtool checks the /metrics text in the RPC test)
  libcpp-httplib-dev nlohmann-json3-dev libcli11-dev prometheus
  # tests and benchmarks (tshark: the Wireshark dissector tests)
  googletest libgtest-dev libgmock-dev libbenchmark-dev jq python3-jsonschema tshark
  # provisioning
  ansible
  # packaging: the .deb's checks (dpkg-shlibdeps comes with build-essential's dpkg-dev)
  lintian systemd
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: missing Debian packages: ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "setup: not root and no password-less sudo; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
else
  as_root=()
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: installed ${#missing[@]} packages"
