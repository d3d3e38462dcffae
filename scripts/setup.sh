#!/bin/sh
# Installs every build, test and benchmark dependency from Debian's archive.
# Idempotent: does nothing when all packages are already present.
set -eu
PKGS="build-essential autoconf automake libtool pkg-config
  libarchive-dev libseccomp-dev libcap-dev libjson-c-dev libssl-dev nettle-dev libisal-dev
  libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev check libmnl-dev libnftables-dev
  python3-docker
  clang libclang-rt-14-dev clang-format busybox-static umoci skopeo crun runc bubblewrap
  swig python3-dev python3-pytest golang-go python3-setuptools python3-pip
  debhelper dh-python lintian
  docker-registry buildah iproute2 nftables zstd gzip tar bsdutils tmux uidmap passt
  golang-github-docker-docker-dev docker.io containerd"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
