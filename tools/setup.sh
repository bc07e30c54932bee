#!/usr/bin/env bash
# Installs what Switchyard needs on Debian 12 and prepares hugepages.
# Idempotent: installs only what is missing, reserves hugepages only if fewer
# are reserved, mounts hugetlbfs only if it is not mounted. Run as root.
set -euo pipefail

PACKAGES=(
  meson ninja-build pkg-config g++ python3
  libdpdk-dev dpdk dpdk-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev libnl-3-dev libnl-route-3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpcap-dev
  libcli11-dev libsqlite3-dev libyaml-cpp-dev
  prometheus-cpp-dev curl  # controld --metrics; tests/e2e/metrics.sh scrapes it
  iproute2 iputils-ping tcpdump procps
  etcd-server golang-etcd-server-dev  # controld --store etcd: the API's .proto files; tests run etcd
  iperf3 tshark ethtool  # tests/e2e/vxlan_*.sh: TCP through the overlay, the wire decoded
  clang  # builds the tc eBPF VLAN emulation on kernels without 802.1Q (tests/e2e)
  python3-matplotlib
  # tests/e2e/vhost_qemu.sh: a real QEMU guest (Debian's cloud kernel with a
  # busybox initramfs) on a vhost-user port
  qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio
)
HUGEPAGES=${SWITCHYARD_HUGEPAGES:-1024}

log() { echo "setup: $*"; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "all packages present"
fi

# Hugepages are needed by vhost-user peers (testpmd, QEMU) and by a
# dataplane run without --no-huge. Best effort: containers may forbid it.
if [[ $(id -u) -eq 0 && -w /proc/sys/vm/nr_hugepages ]]; then
  have=$(cat /proc/sys/vm/nr_hugepages)
  if ((have < HUGEPAGES)); then
    echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages || true
  fi
  mkdir -p /dev/hugepages
  if ! mountpoint -q /dev/hugepages; then
    mount -t hugetlbfs nodev /dev/hugepages || true
  fi
  log "hugepages: $(cat /proc/sys/vm/nr_hugepages) reserved, $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) free"
else
  log "hugepages: not configurable here (need root); vhost tests will need them"
fi
