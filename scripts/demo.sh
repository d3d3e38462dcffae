#!/bin/sh
# The main job: install dependencies, build, make the built-in default image
# (busybox:latest, from Debian's busybox-static) and run a container from it.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
scripts/setup.sh
[ -f config.status ] && make distclean >/dev/null
./autogen.sh >/dev/null 2>&1
mkdir -p build/default
(cd build/default && "$top/configure" -q && make -s -j"$(nproc)" >/dev/null)
engine="build/default/tools/engine --root ${ENGINE_ROOT:-/var/lib/engine}"
$engine image default
# --network none: the demo leaves the host's network as it is (the CLI's
# default, like Docker's, is the bridge network).
exec $engine run --rm --network none --memory 64m --pids-limit 64 -e GREETING="hello from libengine" \
	busybox sh -c 'echo "$GREETING: $(uname -n), pid $$, $(id)"; ls /'
