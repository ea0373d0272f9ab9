#!/usr/bin/env bash
# Builds oneTBB from Debian's source package with ThreadSanitizer instrumentation into
# build/tbb-tsan/install (cached: does nothing when already built). Debian's libtbb is not
# instrumented and gives false race reports; suppressing them would also hide real races.
# The machine's apt sources are not changed: a private apt configuration lives in the folder.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/build/tbb-tsan"
install="$dir/install"
if [ -f "$install/lib/cmake/TBB/TBBConfig.cmake" ]; then
  exit 0
fi
mkdir -p "$dir/apt/lists/partial" "$dir/apt/sources" "$dir/apt/cache/archives/partial" "$dir/src"

# The machine's Debian mirror (deb822 or one-line format), else deb.debian.org.
mirror="http://deb.debian.org/debian"
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  found=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  [ -n "$found" ] && mirror="$found"
fi
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
cat > "$dir/apt/sources/guanxi-src.sources" <<SRC
Types: deb-src
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC

apt_private=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$dir/apt/sources"
  -o "Dir::State::Lists=$dir/apt/lists"
  -o "Dir::Cache=$dir/apt/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
echo "tbb-tsan: fetching Debian's onetbb source"
apt-get "${apt_private[@]}" -qq update
(cd "$dir/src" && apt-get "${apt_private[@]}" -qq source onetbb >/dev/null)
source_dir=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d -name 'onetbb-*' | head -n 1)
if [ -z "$source_dir" ]; then
  echo "tbb-tsan: could not unpack the onetbb source package" >&2
  exit 1
fi

echo "tbb-tsan: building oneTBB with -fsanitize=thread"
cmake -S "$source_dir" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBBMALLOC_BUILD=OFF -DTBB_STRICT=OFF \
  -DCMAKE_INSTALL_PREFIX="$install" >/dev/null
cmake --build "$dir/build" >/dev/null
cmake --install "$dir/build" >/dev/null
echo "tbb-tsan: installed in $install"
