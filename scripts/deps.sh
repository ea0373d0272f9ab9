#!/usr/bin/env bash
# Installs the Debian packages guanxi needs that are missing (idempotent; quick when all are
# present). Uses sudo when not root. Never downloads anything outside apt.
# Usage: scripts/deps.sh [notebook] [fuzz]   (notebook: also Jupyter, for `make notebook`;
# fuzz: clang-14 and its runtimes, for `make fuzz`)
# The list must be complete for a brand-new Debian 12 with only build-essential cmake ninja-build
# make git python3: scripts/check-fresh-debian.sh checks that.
set -euo pipefail

packages=(
  cmake ninja-build g++ make git pkg-config ccache
  libboost-graph-dev libboost-iostreams-dev libeigen3-dev libspectra-dev libtbb-dev librandom123-dev
  pybind11-dev python3-pybind11 libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libtomlplusplus-dev zlib1g-dev
  python3-numpy python3-pandas python3-scipy python3-matplotlib python3-networkx python3-igraph
  python3-pytest python3-tqdm python3-nbclient python3-nbformat python3-ipykernel python3-ipywidgets
  python3-setuptools python3-wheel python3-venv python3-pip python3-statsmodels python3-distributed python3-optuna
  chromium fonts-liberation
  dpkg-dev
)
# Optional groups, named on the command line. The tests execute the notebooks with nbclient and
# ipykernel alone; opening them in a browser needs Jupyter's notebook server.
for group in "$@"; do
  case "$group" in
    notebook) packages+=(python3-notebook) ;;
    fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;  # libFuzzer and its sanitizers, for `make fuzz`
    *) echo "deps: unknown group '$group' (known: notebook, fuzz)" >&2; exit 2 ;;
  esac
done

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
# Another apt or dpkg at work (unattended upgrades, a second terminal) holds its lock: wait for it
# up to 10 minutes rather than fail at once.
wait_for_lock=(-o DPkg::Lock::Timeout=600)
$sudo apt-get "${wait_for_lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get "${wait_for_lock[@]}" install -y -qq --no-install-recommends "${missing[@]}"
