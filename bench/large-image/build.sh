#!/usr/bin/env bash
# Builds the large benchmark image: debootstrap --variant=minbase, then one apt-get layer per ecosystem
# (Java, Python, Node.js, Go), then scripts/image-from-rootfs.ts. Each finished stage leaves a marker
# file, so a rerun after a failure starts at the first unfinished stage. Needs root and the Debian
# archive configured for apt on this machine; installs debootstrap when it is missing.
#   bash bench/large-image/build.sh WORK_DIR OUT.tar
set -euo pipefail
work="$1"
out="$2"
suite="${STRATA_BENCH_SUITE:-bookworm}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$work"
log="$work/build.log"

# The same Debian mirror apt already uses on this machine.
mirror="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $2}' || true)"

if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >>"$log" 2>&1
fi

if [ ! -e "$work/s0.done" ]; then
  echo "== layer 0: debootstrap --variant=minbase $suite" >&2
  rm -rf "$work/s0"
  debootstrap --variant=minbase "$suite" "$work/s0" ${mirror:+"$mirror"} >>"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; exit 1; }
  touch "$work/s0.done"
fi

# stage N: copy snapshot N-1, then apt-get install the given packages in a chroot.
install_layer() {
  local n="$1"
  shift
  [ -e "$work/s$n.done" ] && return 0
  echo "== layer $n: apt-get install $*" >&2
  rm -rf "$work/s$n"
  cp -a "$work/s$((n - 1))" "$work/s$n"
  cp /etc/resolv.conf "$work/s$n/etc/resolv.conf" 2>/dev/null || true
  mount -t proc proc "$work/s$n/proc"
  local status=0
  chroot "$work/s$n" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $* && apt-get clean && rm -rf /var/lib/apt/lists/*" \
    >>"$log" 2>&1 || status=$?
  umount "$work/s$n/proc"
  if [ "$status" -ne 0 ]; then
    tail -n 20 "$log" >&2
    exit "$status"
  fi
  touch "$work/s$n.done"
}

install_layer 1 default-jdk-headless maven gradle ant libspring-context-java libspring-web-java \
  libtomcat9-java libjetty9-java libjackson2-databind-java liblog4j2-java libnetty-java libguava-java \
  libcommons-lang3-java libcommons-io-java libbcprov-java libhibernate-validator-java libeclipse-jdt-core-java
install_layer 2 python3 python3-pip python3-numpy python3-scipy python3-pandas python3-django python3-requests \
  python3-yaml python3-cryptography python3-lxml python3-jinja2 python3-sqlalchemy python3-flask
install_layer 3 nodejs npm node-typescript webpack node-babel7 eslint
install_layer 4 golang-go

node --import tsx "$repo/scripts/image-from-rootfs.ts" "$out.partial" --tag "strata-bench-large:$suite" \
  "$work/s0::debootstrap --variant=minbase $suite" \
  "$work/s1::/bin/sh -c apt-get install -y default-jdk-headless maven gradle ant lib*-java" \
  "$work/s2::/bin/sh -c apt-get install -y python3 python3-numpy python3-scipy python3-pandas python3-django ..." \
  "$work/s3::/bin/sh -c apt-get install -y nodejs npm node-typescript webpack node-babel7 eslint" \
  "$work/s4::/bin/sh -c apt-get install -y golang-go"
mv "$out.partial" "$out"
