#!/bin/sh
# Escape 7 (CVE-2019-5736 class): a container runs a "#!/proc/self/exe"
# script with its own ELF loader (fakeld.c, mounted where the engine
# binary's PT_INTERP points). If the exec that starts a container process
# resolved /proc/self/exe to the caller's binary, the kernel would run the
# host engine binary in the container under the attacker's loader, which
# keeps a handle to the file and writes to it once no process runs it. The
# engine under attack is a copy of the build's binary in this test's own
# directory (the "upgraded" engine; the detached container's monitor runs
# the original). Every container process is exec'd from engine-init's
# sealed memfd instead, so the script reaches engine-init, which prints its
# usage. Also checked: what each process of a container is (/proc/PID/exe).
. "$(dirname "$0")/lib.sh"
[ "$(uname -m)" = x86_64 ] || { echo "skip: fakeld is x86-64 only"; exit 77; }

$cc -I"$escape_src/../../libengine" -nostdlib -ffreestanding -fno-builtin -static -fno-pie -no-pie -fno-stack-protector -O2 -o "$tmp/fakeld" "$escape_src/fakeld.c" ||
	{ echo "FAIL: build fakeld"; exit 1; }
printf '#!/proc/self/exe\n' > "$tmp/selfexe"
chmod 755 "$tmp/selfexe"
bin=$ENGINE_BUILD/tools/.libs/engine
[ -x "$bin" ] || bin=$ENGINE_BUILD/tools/engine
cp "$bin" "$tmp/engine-copy"
sum0=$(sha256sum < "$tmp/engine-copy")
interp=$(readelf -l "$tmp/engine-copy" | sed -n 's/.*program interpreter: \(.*\)]/\1/p')
[ -n "$interp" ] || { echo "skip: the engine binary is static"; exit 77; }
V="-v $tmp/fakeld:$interp:ro -v $tmp/selfexe:/selfexe:ro"
EC() {
	LD_LIBRARY_PATH="$ENGINE_BUILD/libengine/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
		"$tmp/engine-copy" --root "$root" --config "$tmp/config.json" "$@"
}
# unchanged NAME OUTPUT: the copy stays intact (give a writer left behind
# in the container time to try, when the script reached the binary).
unchanged() {
	case "$2" in *"selfexe: reached"*)
		i=0
		while [ $i -lt 100 ] && [ "$(sha256sum < "$tmp/engine-copy")" = "$sum0" ]; do
			sleep 0.1
			i=$((i + 1))
		done ;;
	esac
	check "$1" "$sum0" "$(sha256sum < "$tmp/engine-copy")"
}

id=$(E run -d $V busybox sleep 600)
out=$(EC exec "$id" /selfexe 2>&1)
lacks "exec: /proc/self/exe does not reach the engine binary" "selfexe: reached" "$out"
contains "exec: it reaches engine-init" "usage: docker-init" "$out"
unchanged "exec: the engine binary is intact" "$out"
E rm -f "$id" >/dev/null

out=$(EC run --rm $V busybox /selfexe 2>&1)
lacks "run --rm: /proc/self/exe does not reach the engine binary" "selfexe: reached" "$out"
contains "run --rm: it reaches engine-init" "usage: docker-init" "$out"

id=$(EC run -d $V busybox /selfexe)
E wait "$id" >/dev/null 2>&1
out=$(E logs "$id" 2>&1)
lacks "run -d: /proc/self/exe does not reach the engine binary" "selfexe: reached" "$out"
contains "run -d: it reaches engine-init" "usage: docker-init" "$out"
E rm -f "$id" >/dev/null
unchanged "the engine binary is intact at the end" "$out"

# What each process is: the command is its own binary, PID 1 of --init is
# engine-init's memfd, an exec'd process is its own binary; none is the
# engine's. (/proc/1 of --init is non-dumpable: look with CAP_SYS_PTRACE.)
id=$(E run -d --init --cap-add SYS_PTRACE busybox sleep 600)
out=$(E exec "$id" sh -c 'for p in /proc/[0-9]*; do echo "${p#/proc/} $(readlink $p/exe)"; done')
contains "--init: PID 1 is engine-init's memfd" "1 /memfd:engine-init (deleted)" "$out"
contains "--init: the command is its own binary" "2 /bin/sleep" "$out"
lacks "--init: no process is the engine" "engine-copy" "$out"
lacks "--init: no process is a host file" "$ENGINE_BUILD" "$out"
E rm -f "$id" >/dev/null
finish
