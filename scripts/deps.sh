#!/usr/bin/env bash
# Installs the Debian packages guanxi needs that are missing (idempotent; quick when all are
# present). Uses sudo when not root. Never downloads anything outside apt.
set -euo pipefail

packages=(
  cmake ninja-build g++ make git pkg-config ccache
  libboost-graph-dev libboost-iostreams-dev libeigen3-dev libspectra-dev libtbb-dev librandom123-dev
  pybind11-dev python3-pybind11 libgtest-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libtomlplusplus-dev zlib1g-dev
  python3-numpy python3-pandas python3-scipy python3-matplotlib python3-networkx python3-igraph
  python3-pytest python3-tqdm python3-nbclient python3-nbformat python3-ipykernel python3-ipywidgets
  python3-setuptools python3-wheel python3-venv python3-pip
  dpkg-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
