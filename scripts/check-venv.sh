#!/usr/bin/env bash
# Checks the user install route of the README: a venv over Debian's Python, then
# `pip install --no-build-isolation .` (setup.py runs CMake), then the module and the CLI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/build/venv-check"
rm -rf "$work"
mkdir -p "$work/src"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
# Build from a copy of the project's files (tracked or new, not ignored; not those deleted in the
# working tree) so the check never writes into the source tree (build/, *.egg-info).
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
  xargs -0 cp --parents -t "$work/src")
"$work/venv/bin/pip" install --quiet --no-build-isolation --no-index "$work/src"
cd "$work"
"$work/venv/bin/python" -c "import guanxi as gx; g = gx.generators.holme_kim(1000, 3, 0.5, seed=1); assert g.num_nodes == 1000; print('venv-check: import ok,', g)"
"$work/venv/bin/guanxi" generate complete --n 5 -o "$work/k5.gx" >/dev/null
"$work/venv/bin/guanxi" info "$work/k5.gx" | grep -q "ties                10"
"$work/venv/bin/python" -m guanxi --version | grep -q "^guanxi " && echo "venv-check: CLI ok"
