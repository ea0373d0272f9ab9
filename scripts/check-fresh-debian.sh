#!/usr/bin/env bash
# Checks guanxi on a brand-new Debian 12 machine, as a new user meets it: a minimal bookworm
# (debootstrap --variant=minbase) with only build-essential cmake ninja-build make git python3,
# the repository cloned into it (at the path it has here), then `make demo` and
# `make test-release` there, compiling with this machine's ccache lent read-only. Everything else
# has to come from scripts/deps.sh, and that is what this checks: the development machines have
# too much preinstalled to notice a missing package (libgmock-dev was one).
#
# Usage, as root (debootstrap, chroot and mount need it):
#   scripts/check-fresh-debian.sh [--working-tree | --commit REV] [--rebuild-base] [--keep]
#     --working-tree  check the working tree (modified, new and not ignored files) instead of HEAD
#     --commit REV    check that commit instead of HEAD (a branch, a tag, a `git stash create`)
#     --rebuild-base  debootstrap again even though the cached base is there
#     --keep          leave the machine in build/fresh-debian/root afterwards (on disk) to look into
#   MIRROR=<url> overrides the Debian mirror, which is otherwise read from /etc/apt.
#
# The debootstrapped base with the toolchain is cached as build/fresh-debian/base.tar (made again
# when the toolchain list, the mirror or the way it is made changes, or after 30 days, so that it
# stays close to what a new machine gets); every run unpacks a fresh copy of it, so every run
# starts from a new machine. The copy lives in a tmpfs when there is memory for it: deleting
# 1.5 GB of small files from a disk mounted with `discard` takes minutes. The script runs in a
# mount namespace of its own, so everything it mounts (that tmpfs; proc, sys and dev in the
# machine) is invisible outside it and vanishes with it, even if it is killed outright; the EXIT
# trap (failure, Ctrl-C, TERM) stops whatever still runs in the machine, unmounts and deletes the
# copy.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "check-fresh-debian: needs root (debootstrap, chroot and mount); run: sudo $0${*:+ $*}" >&2
  exit 1
fi

# Into a mount namespace of its own (the same process: exec), unless already there.
if [ "${CHECK_FRESH_DEBIAN_NS:-}" != "$$" ]; then
  export CHECK_FRESH_DEBIAN_NS=$$
  exec unshare --mount --propagation private -- "$BASH" "$0" "$@"
fi

working_tree=0 rev="" rebuild_base=0 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --working-tree) working_tree=1 ;;
    --commit) rev=${2:?--commit needs a revision}; shift ;;
    --rebuild-base) rebuild_base=1 ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "check-fresh-debian: unknown option '$1'" \
         "(--working-tree, --commit REV, --rebuild-base, --keep)" >&2
       exit 2 ;;
  esac
  shift
done

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/build/fresh-debian"
base_tar="$work/base.tar"
base_key="$work/base.key"
base_dir="$work/base"       # only while the base is made
machine="$work/root"        # this run's fresh machine
suite=bookworm
toolchain=(build-essential cmake ninja-build make git python3)
base_max_age_days=30
mkdir -p "$work"

# One run at a time: two would unpack into the same folder. What runs in the machine inherits
# the lock, so a run killed outright (no trap) holds it until its leftovers end.
exec 9>"$work/lock"
if ! flock -n 9; then
  echo "check-fresh-debian: another run, or what a killed run left running, holds $work/lock" >&2
  exit 1
fi

# A machine needs about 2 GB (the base, deps.sh's packages, the build) besides the compilers'
# memory; below 6 GiB available it stays on disk. --keep keeps it on disk: a tmpfs in this
# namespace would vanish with the run.
available_kb=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
tmpfs=0
if [ "$keep" -eq 0 ] && [ "${available_kb:-0}" -ge $((6 * 1024 * 1024)) ]; then
  tmpfs=1
fi

# --- stages, timed; the EXIT trap prints the table, and the stage that failed ---------------------
stage_count=5 stage_number=0 stage="" stage_start=0 started=$SECONDS
results=()
clock() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
begin() {
  stage_number=$((stage_number + 1)) stage=$1 stage_start=$SECONDS
  printf '\n==> [%d/%d] %s\n' "$stage_number" "$stage_count" "$stage"
}
end() {
  local took=$((SECONDS - stage_start))
  printf '==> [%d/%d] %s: ok, %s\n' "$stage_number" "$stage_count" "$stage" "$(clock $took)"
  results+=("$(printf '  %-44s %8s' "$stage" "$(clock $took)")")
  stage=""
}

# --- machine folders and the commands run in them ------------------------------------------------
child=""   # the session running commands in a machine: the trap stops all of it

# in_session COMMAND...: runs COMMAND in a session (setsid) and a mount namespace (unshare) of its
# own, so that the trap can stop all of it and no mount made by it outlives it.
# In the background, waited for: bash runs a trap only once a foreground command ends, and a
# Ctrl-C or TERM must stop the run at once. bash starts background commands with SIGINT and
# SIGQUIT ignored, which its children would inherit (a Ctrl-C test would then see nothing):
# env restores them, as a new user's shell has them. (The status is returned explicitly because
# set -e does not apply inside a function called with || or in an if.)
in_session() {
  local rc=0
  env --default-signal=INT,QUIT setsid --wait unshare --mount --propagation private -- "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}

# in_machine DIR COMMAND: runs COMMAND (bash, login shell) as root inside the machine at DIR, with
# an empty environment like a new login (nothing of this machine's PATH, pyenv, locale or proxies).
# proc, sys and dev are mounted in its session's namespace. /dev is this machine's (bind), with a
# devpts instance and a /dev/shm of its own: Python's multiprocessing needs /dev/shm.
in_machine() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  in_session /bin/bash -euc '
    dir=$1
    mount -t proc proc "$dir/proc"
    mount -t sysfs -o ro sysfs "$dir/sys"
    mount --bind /dev "$dir/dev"
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$dir/dev/pts"
    mount -t tmpfs -o mode=1777,nosuid,nodev shm "$dir/dev/shm"
    exec chroot "$dir" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -lc "$2"
  ' in-machine "$1" "$2"
}

# Mount points at or under DIR, deepest first (in this namespace: only this run's).
mounts_under() {
  awk -v d="$1" '{ gsub(/\\040/, " ", $5); if ($5 == d || index($5, d "/") == 1) print $5 }' \
    /proc/self/mountinfo | sort -r
}

# new_machine_dir DIR: an empty folder for a machine, a tmpfs when there is memory for it.
new_machine_dir() {
  drop_machine_dir "$1"
  mkdir -p "$1"
  if [ "$tmpfs" -eq 1 ]; then
    mount -t tmpfs -o mode=0755 fresh-debian "$1"
  fi
}

# drop_machine_dir DIR: unmounts what this run mounted there, then deletes the folder; rm never
# crosses into another file system (a /dev left bound by hand would be this machine's /dev).
drop_machine_dir() {
  local m
  mounts_under "$1" | while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
  [ -e "$1" ] || return 0
  if [ -n "$(mounts_under "$1")" ]; then
    echo "check-fresh-debian: not deleting $1, still mounted: $(mounts_under "$1" | tr '\n' ' ')" >&2
    return 1
  fi
  rm -rf --one-file-system "$1"
}

# Processes whose root is DIR: what runs inside that machine, even if it left the session.
processes_in() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
  done
  return 0
}

stop_machines() {
  local dir pids
  if [ -n "$child" ]; then
    kill -TERM -- "-$child" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      kill -0 -- "-$child" 2>/dev/null || break
      sleep 1
    done
    kill -KILL -- "-$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
    child=""
  fi
  for dir in "$machine" "$base_dir"; do
    pids=$(processes_in "$dir")
    if [ -n "$pids" ]; then
      echo "check-fresh-debian: stopping what still runs in $dir: $pids" >&2
      # shellcheck disable=SC2086  # one word per pid
      kill -KILL $pids 2>/dev/null || true
      sleep 1
    fi
  done
}

tmp_index=""
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_machines
  [ -n "$tmp_index" ] && rm -f "$tmp_index"
  drop_machine_dir "$base_dir" || rc=1
  rm -f "$base_tar.tmp"
  if [ "$keep" -eq 1 ] && [ -d "$machine" ]; then
    echo "check-fresh-debian: kept the machine in $machine" \
      "(chroot $machine /bin/bash -l; mount proc first if needed)"
  else
    drop_machine_dir "$machine" || rc=1
  fi
  [ -n "$stage" ] && [ "$rc" -eq 0 ] && rc=1
  echo
  echo "check-fresh-debian: stage times"
  [ ${#results[@]} -gt 0 ] && printf '%s\n' "${results[@]}"
  if [ -n "$stage" ]; then
    printf '  %-44s %8s  FAILED\n' "$stage" "$(clock $((SECONDS - stage_start)))"
  fi
  printf '  %-44s %8s  %s\n' "total" "$(clock $((SECONDS - started)))" \
    "$([ "$rc" -eq 0 ] && echo PASSED || echo FAILED)"
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- the Debian mirror ----------------------------------------------------------------------------
# The URI of the first apt source that serves bookworm itself (not -updates or -security), in the
# deb822 format of Debian 12 or the one-line format of older installs.
find_mirror() {
  local found=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    found=$(awk -v suite="$suite" 'BEGIN { RS = "" }
      { uris = ""; suites = ""; types = ""; n = split($0, line, "\n")
        for (i = 1; i <= n; i++) {
          if (line[i] ~ /^URIs:/) { split(line[i], f, /[ \t]+/); uris = f[2] }
          if (line[i] ~ /^Suites:/) suites = line[i] " "
          if (line[i] ~ /^Types:/) types = line[i] " "
        }
        if (uris != "" && types ~ /[ \t]deb[ \t]/ && suites ~ ("[ \t]" suite "[ \t]")) {
          print uris; exit
        } }' \
      /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$found" ] && [ -f /etc/apt/sources.list ]; then
    found=$(awk -v suite="$suite" '$1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }   # [ options ]
        if ($(i + 1) == suite) { print $i; exit } }' /etc/apt/sources.list)
  fi
  echo "${found:-http://deb.debian.org/debian}"
}

# --- 1. the base system (cached) ------------------------------------------------------------------
mirror="${MIRROR:-$(find_mirror)}"
recipe=2   # bump when the way the base is made changes, so that cached bases are made again
key="recipe $recipe: $suite ${toolchain[*]} $mirror"
reason=""
if [ "$rebuild_base" -eq 1 ]; then
  reason="asked for (--rebuild-base)"
elif [ ! -f "$base_tar" ]; then
  reason="no cached base"
elif [ "$(cat "$base_key" 2>/dev/null)" != "$key" ]; then
  reason="the toolchain list, the mirror or the recipe changed"
elif [ -n "$(find "$base_tar" -mtime +$base_max_age_days)" ]; then
  reason="the cached base is older than $base_max_age_days days"
fi

if [ -n "$reason" ]; then
  begin "base system: debootstrap $suite + toolchain"
  echo "($reason; mirror $mirror)"
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
  fi
  rm -f "$base_tar" "$base_key"
  new_machine_dir "$base_dir"
  log="$work/debootstrap.log"
  # (The log is opened inside the session: a redirection of the call would also catch the trap's
  # report if the run is stopped meanwhile.)
  # shellcheck disable=SC2016  # expanded by sh
  if ! in_session /bin/sh -c 'log=$1; shift; exec "$@" >"$log" 2>&1' debootstrap "$log" \
      debootstrap --variant=minbase "$suite" "$base_dir" "$mirror"; then
    tail -n 30 "$log"
    echo "check-fresh-debian: debootstrap failed (log: $log)" >&2
    exit 1
  fi
  echo "debootstrap: $(grep -c '^I: Unpacking' "$log" || true) packages unpacked (log: $log)"
  cp -L /etc/resolv.conf "$base_dir/etc/resolv.conf"
  # dpkg without fsync, as in Debian's container images: the machine is thrown away after the run.
  # What gets installed is the same.
  echo force-unsafe-io >"$base_dir/etc/dpkg/dpkg.cfg.d/unsafe-io"
  # Only the toolchain a new user is told to install; without Recommends, the strictest machine.
  in_machine "$base_dir" "apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ${toolchain[*]} >/dev/null &&
    apt-get clean && echo 'installed: ${toolchain[*]}'"
  tar --numeric-owner -C "$base_dir" -cf "$base_tar.tmp" .
  mv "$base_tar.tmp" "$base_tar"
  echo "$key" >"$base_key"
  drop_machine_dir "$base_dir"
  echo "cached: $base_tar ($(du -h "$base_tar" | cut -f1))"
  end
else
  begin "base system: cached"
  echo "$base_tar ($(du -h "$base_tar" | cut -f1)), made $(date -r "$base_tar" '+%Y-%m-%d %H:%M')"
  end
fi

# --- 2. a fresh machine from it -------------------------------------------------------------------
begin "fresh machine: unpack the base"
new_machine_dir "$machine"
tar --numeric-owner -C "$machine" -xpf "$base_tar"
cp -L /etc/resolv.conf "$machine/etc/resolv.conf"   # this machine's DNS, as of now
echo "$machine ($([ "$tmpfs" -eq 1 ] && echo "in a tmpfs" || echo "on disk"))"
end

# --- 3. the repository ----------------------------------------------------------------------------
changes=$(git -C "$root" status --porcelain | wc -l)
if [ "$working_tree" -eq 1 ]; then
  # A commit of the working tree (tracked and new files, .gitignore respected) made with a private
  # index, so neither the index nor any branch or ref of the repository changes; the commit is an
  # unreferenced object that git gc removes in time, like those of `git stash create`.
  begin "clone the working tree"
  tmp_index=$(mktemp)
  cp "$(git -C "$root" rev-parse --git-path index)" "$tmp_index"
  GIT_INDEX_FILE=$tmp_index git -C "$root" add -A
  tree=$(GIT_INDEX_FILE=$tmp_index git -C "$root" write-tree)
  rm -f "$tmp_index"; tmp_index=""
  commit=$(GIT_AUTHOR_NAME=check-fresh-debian GIT_AUTHOR_EMAIL=check@localhost \
    GIT_COMMITTER_NAME=check-fresh-debian GIT_COMMITTER_EMAIL=check@localhost \
    git -C "$root" commit-tree -p HEAD -m "check-fresh-debian: working tree" "$tree")
  echo "HEAD $(git -C "$root" rev-parse --short HEAD) + $changes changed or new files," \
    "as commit $(git -C "$root" rev-parse --short "$commit")"
elif [ -n "$rev" ]; then
  commit=$(git -C "$root" rev-parse --verify "$rev^{commit}")
  begin "clone $(git -C "$root" rev-parse --short "$commit")"
  git -C "$root" log -1 --format='%h %s' "$commit"
else
  begin "clone HEAD"
  commit=$(git -C "$root" rev-parse HEAD)
  echo "HEAD $(git -C "$root" log -1 --format='%h %s' HEAD)"
  if [ "$changes" -gt 0 ]; then
    echo "warning: the working tree has $changes uncommitted changes (git status): they are not" \
      "checked; --working-tree checks them"
  fi
fi
# At the path it has here: the compile commands are then the same as this machine's, which lets
# the compiler cache below answer them.
clone="$machine$root"
mkdir -p "$(dirname "$clone")"
git clone --quiet --no-hardlinks "$root" "$clone"
git -C "$clone" fetch --quiet "$root" "$commit"
git -C "$clone" -c advice.detachedHead=false checkout --quiet --detach "$commit"
end

# --- this machine's compiler cache, lent read-only ------------------------------------------------
# Compiling is not what this checks, and it is most of the time: make test has just compiled the
# same files here. ccache (installed in the machine by deps.sh, as for any user) answers from this
# machine's cache, mounted read-only, where the compiler, the command and every header it reads
# are the same, and compiles otherwise: a header of a missing package fails as it would without
# it, and nothing is linked from the cache. The machine writes nothing to it.
cache_env=""
host_cache=$(command -v ccache >/dev/null && ccache -k cache_dir 2>/dev/null || true)
if [ -n "$host_cache" ] && [ -d "$host_cache" ]; then
  mkdir -p "$machine/var/cache/host-ccache"
  mount --bind "$host_cache" "$machine/var/cache/host-ccache"
  mount -o remount,bind,ro "$machine/var/cache/host-ccache"
  # The settings that shape its keys (base_dir, sloppiness…), as set here: ccache -p minus defaults.
  ccache -p | awk '/^\(default\)/ { next } { sub(/^\([^)]*\) /, ""); print }' >"$machine/etc/ccache-host.conf"
  cache_env="CCACHE_CONFIGPATH=/etc/ccache-host.conf CCACHE_DIR=/var/cache/host-ccache CCACHE_READONLY=1"
  cache_env+=" CCACHE_NOSTATS=1 CCACHE_TEMPDIR=/tmp/ccache"
  # ccache keys on the locale (the compiler's messages depend on it): the compiles here ran with
  # this shell's, so the machine's compiles take the same.
  for name in LANG LC_ALL LC_CTYPE LC_MESSAGES; do
    [ -n "${!name:-}" ] && cache_env+=" $name=$(printf '%q' "${!name}")"
  done
  echo "compiler cache: $host_cache, read-only"
fi

# --- 4, 5. what a new user runs -------------------------------------------------------------------
begin "make demo"
in_machine "$machine" "cd $(printf '%q' "$root") && $cache_env make demo"
end

begin "make test-release"
in_machine "$machine" "cd $(printf '%q' "$root") && $cache_env make test-release"
end
