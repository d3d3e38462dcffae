#!/bin/sh
# A container's hostile file names and links through the host-side tree
# walkers: names that are not UTF-8 (the tar writer refused them, so a
# container stopped its own export and any cp of its files), with a
# newline or a terminal escape, of 255 bytes; symlink loops and a link to
# itself. export, cp out, commit and diff take them all, as they are, and
# follow no link.
. "$(dirname "$0")/lib.sh"

id=$(E run -d --network none busybox sh -c 'mkdir /n && cd /n && touch "$(printf "\377\376bad")" &&
	touch "$(printf "nl\nC etc-shadow")" && touch "$(printf "esc\033]0;x\007")" && touch "$(printf "%0255d" 7)" &&
	ln -s loop1 loop2 && ln -s loop2 loop1 && ln -s /n/self /n/self && echo ready && exec sleep 600')
i=0
while [ $i -lt 50 ] && ! E logs "$id" 2>&1 | grep -q ready; do sleep 0.1; i=$((i + 1)); done
# esc0 [PREFIX]: NUL-separated names in, one a line out, sorted, PREFIX cut,
# bytes outside printable ASCII as \NNN.
esc0() {
	/usr/bin/python3 -c '
import sys
p = sys.argv[1].encode() if len(sys.argv) > 1 else b""
out = []
for n in sys.stdin.buffer.read().split(b"\0"):
    if n and n.startswith(p) and n != p:
        out.append("".join(chr(b) if 32 <= b < 127 and b != 92 else "\\%03o" % b for b in n[len(p):]))
print("\n".join(sorted(out)))' "$@"
}
want=$(printf '%0255d\0\377\376bad\0esc\033]0;x\007\0loop1\0loop2\0nl\nC etc-shadow\0self\0' 7 | esc0)

out=$(E export "$id" 2>&1 >"$tmp/e.tar"; echo "rc=$?")
check "export with hostile names: succeeds" "rc=0" "$out"
out=$(/usr/bin/python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape")
sys.stdout.buffer.write(b"".join(m.name.encode("utf-8", "surrogateescape") + b"\0" for m in t.getmembers()))' \
	"$tmp/e.tar" | esc0 n/)
check "export: every name as it is" "$want" "$out"

mkdir "$tmp/out"
out=$(E cp "$id:/n" "$tmp/out" 2>&1; echo "rc=$?")
check "cp out with hostile names: succeeds" "rc=0" "$out"
check "cp out: every name as it is" "$want" "$(cd "$tmp/out/n" && find . -mindepth 1 -printf '%f\0' | esc0)"
check "cp out: the loops stay links" "loop2 loop1 /n/self" \
	"$(readlink "$tmp/out/n/loop1" "$tmp/out/n/loop2" "$tmp/out/n/self" | tr '\n' ' ' | sed 's/ $//')"

E commit "$id" names-img >/dev/null 2>&1 || fail "commit with hostile names" "commit failed"
out=$(E run --rm --network none names-img find /n -mindepth 1 -print0 | esc0 /n/)
check "commit: every name in the image" "$want" "$out"
out=$(E diff "$id" 2>&1; echo "rc=$?")
contains "diff with hostile names: succeeds" "rc=0" "$out"
E rm -f "$id" >/dev/null
finish
