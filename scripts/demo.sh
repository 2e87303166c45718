#!/usr/bin/env bash
# The main job: builds a real multi-layer Debian image from Debian's own packages (debootstrap, then
# apt-get in the image, then a Node.js app layer) and scans it with Strata. Needs root and the
# Debian archive configured for apt on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${STRATA_DEMO_DIR:-demo}"
suite="${STRATA_DEMO_SUITE:-bookworm}"

[ -d node_modules ] || npm ci --no-audit --no-fund
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi
# Use the same Debian mirror apt already uses on this machine.
mirror="$(grep -hoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $2}' || true)"

rm -rf "$work" && mkdir -p "$work"
echo "== layer 0: debootstrap --variant=minbase $suite" >&2
debootstrap --variant=minbase "$suite" "$work/s0" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

echo "== layer 1: apt-get install curl ca-certificates" >&2
cp -a "$work/s0" "$work/s1"
cp /etc/resolv.conf "$work/s1/etc/resolv.conf" 2>/dev/null || true
chroot "$work/s1" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c \
  'apt-get update -qq && apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null && apt-get clean && rm -rf /var/lib/apt/lists/*'

echo "== layer 2: a Node.js application's node_modules" >&2
cp -a "$work/s1" "$work/s2"
mkdir -p "$work/s2/app"
cp package.json "$work/s2/app/"
cp -a node_modules "$work/s2/app/node_modules"

echo "== layer 3: apt-get purge curl" >&2
cp -a "$work/s2" "$work/s3"
chroot "$work/s3" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq curl >/dev/null

node --import tsx scripts/image-from-rootfs.ts "$work/debian-demo.tar" --tag "strata-demo:$suite" \
  "$work/s0::debootstrap --variant=minbase $suite" \
  "$work/s1::/bin/sh -c apt-get install -y curl ca-certificates" \
  "$work/s2::COPY node_modules /app/node_modules" \
  "$work/s3::/bin/sh -c apt-get purge -y curl"

echo "== strata scan $work/debian-demo.tar" >&2
node bin/strata.js scan "$work/debian-demo.tar" "$@"
