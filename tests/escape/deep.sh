#!/bin/sh
# A container nests directories without bound (/probe deepdir makes each
# level from the last one's fd). The host-side walkers of its tree
# recursed a frame (4 KiB and more) and a DIR per level, so the daemon,
# whose request threads have 1 MiB stacks, died of SIGSEGV on docker cp
# (archive GET), commit and /system/df of it, and on its removal; the CLI
# died on commit. Now: commit and cp stop at 512 levels with an error,
# sizes are counted to 256 levels, and removal takes any depth.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }

deep=$(E run -d --network none $P busybox /probe deepdir /deep 20000)
E wait "$deep" >/dev/null
check "the container made its tree" "deepdir: ok" "$(E logs "$deep" 2>&1)"
ok=$(E run -d --network none $P busybox /probe deepdir /deep 400)
E wait "$ok" >/dev/null

E commit "$deep" deep:cli >"$tmp/out" 2>&1
rc=$?
check "CLI commit of 20000 levels: an error, not a signal" 1 "$([ $rc -ne 0 ] && [ $rc -lt 128 ] && echo 1)"
contains "CLI commit of 20000 levels: says why" "nested too deep" "$(cat "$tmp/out")"
contains "CLI diff of 20000 levels: says why" "nested too deep" "$(E diff "$deep" 2>&1)"
contains "CLI cp out of 20000 levels: says why" "nested too deep" "$(E cp "$deep:/deep" - 2>&1 >/dev/null)"

printf '{"cgroup-parent": "%s"}\n' "$parent" > "$tmp/daemon.json"
"$ENGINE_BUILD/tools/engine" daemon -H "unix://$tmp/d.sock" --data-root "$root" --config "$tmp/daemon.json" \
	>"$tmp/daemon.log" 2>&1 &
dpid=$!
trap 'kill $dpid 2>/dev/null; wait $dpid 2>/dev/null; escape_cleanup' EXIT
i=0
while [ ! -S "$tmp/d.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# call NAME METHOD PATH EXPECTED-STATUS: the daemon answers and lives on.
call() {
	code=$(curl -s --unix-socket "$tmp/d.sock" -o "$tmp/body" -w '%{http_code}' -X "$2" "http://d$3")
	if kill -0 $dpid 2>/dev/null; then
		check "$1: HTTP status" "$4" "$code"
	else
		wait $dpid
		fail "$1" "the daemon died (status $?)"
		"$ENGINE_BUILD/tools/engine" daemon -H "unix://$tmp/d.sock" --data-root "$root" \
			--config "$tmp/daemon.json" >>"$tmp/daemon.log" 2>&1 &
		dpid=$!
		i=0
		while ! curl -s --unix-socket "$tmp/d.sock" http://d/_ping >/dev/null && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
}
call "daemon: commit of 400 levels" POST "/commit?container=$ok&repo=deep&tag=ok" 201
call "daemon: cp out of 400 levels" GET "/containers/$ok/archive?path=/deep" 200
call "daemon: cp out of 20000 levels" GET "/containers/$deep/archive?path=/deep" 200
call "daemon: export of 20000 levels" GET "/containers/$deep/export" 200
call "daemon: commit of 20000 levels refused" POST "/commit?container=$deep&repo=deep&tag=x" 400
call "daemon: system df" GET "/system/df" 200
call "daemon: changes of 20000 levels refused" GET "/containers/$deep/changes" 400
call "daemon: remove the container of 20000 levels" DELETE "/containers/$deep" 204
check "its directory is gone" "" "$(ls "$root/containers" | grep "$deep")"
kill $dpid
wait $dpid 2>/dev/null
finish
