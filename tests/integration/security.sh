#!/bin/sh
# Security by default, through the CLI (as root, on its own engine root and
# cgroup parent): Docker's capability set and --cap-add/--cap-drop, the
# default seccomp profile and its capability conditions, unconfined and
# custom profiles, no_new_privs, --ulimit, masked and read-only paths, and
# the errors a bad profile, capability, ulimit or env file gives.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root security
# The value of one /proc/self/status field inside a container run with "$@".
status() { # status FIELD RUN-ARGS...
	field=$1
	shift
	E run --rm "$@" busybox sh -c "sed -n 's/^$field:[[:space:]]*//p' /proc/self/status"
}

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }

# capabilities: Docker's default set is 0xa80425fb
check "default CapBnd" 00000000a80425fb "$(status CapBnd)"
check "default CapEff" 00000000a80425fb "$(status CapEff)"
check "default CapInh" 0000000000000000 "$(status CapInh)"
check "default CapAmb" 0000000000000000 "$(status CapAmb)"
check "drop ALL add chown" 0000000000000001 "$(status CapBnd --cap-drop ALL --cap-add chown)"
check "add sys_admin" 00000000a82425fb "$(status CapBnd --cap-add CAP_SYS_ADMIN)"
check "drop net_raw, mknod" 00000000a00405fb "$(status CapBnd --cap-drop NET_RAW --cap-drop mknod)"
check "non-root: bounding only" "0000000000000000 00000000a80425fb" \
	"$(E run --rm -u 1000 busybox sh -c 'sed -n "s/^Cap\(Bnd\|Eff\):[[:space:]]*//p" /proc/self/status' | tr '\n' ' ' | sed 's/ $//')"
E run --rm busybox mknod /tmp/null c 1 3; check "mknod with defaults" 0 $?
E run --rm --cap-drop MKNOD busybox mknod /tmp/null c 1 3 2>/dev/null; check "mknod without CAP_MKNOD" 1 $?
E run --rm --cap-drop chown busybox sh -c 'touch /f; chown 1:1 /f' 2>/dev/null; check "chown without CAP_CHOWN" 1 $?
err=$(E run --rm --cap-add CAP_TELEPORT busybox true 2>&1); check "unknown cap exit" 125 $?
contains "unknown cap message" "CAP_TELEPORT" "$err"

# seccomp: Docker's default profile, its capability conditions, unconfined
check "default Seccomp mode" 2 "$(status Seccomp)"
check "default NoNewPrivs" 1 "$(status NoNewPrivs)"
mnt='mkdir -p /m && mount -t tmpfs none /m 2>&1; echo rc=$?'
out=$(E run --rm busybox sh -c "$mnt"); contains "default blocks mount" "rc=1" "$out"
contains "default blocks mount: EPERM" "permission denied" "$out"
out=$(E run --rm busybox sh -c 'unshare -m true 2>&1'); contains "default blocks unshare" "Operation not permitted" "$out"
check "CAP_SYS_ADMIN opens mount" "rc=0" "$(E run --rm --cap-add SYS_ADMIN busybox sh -c "$mnt")"
check "unconfined still needs the cap" "rc=1" \
	"$(E run --rm --security-opt seccomp=unconfined busybox sh -c "$mnt" | tail -1)"
check "unconfined" 0 "$(status Seccomp --security-opt seccomp=unconfined)"
check "no-new-privileges=false keeps the filter" "0 2" \
	"$(E run --rm --security-opt no-new-privileges=false busybox sh -c 'sed -n "s/^\(NoNewPrivs\|Seccomp\):[[:space:]]*//p" /proc/self/status' | tr '\n' ' ' | sed 's/ $//')"

# a custom profile: mkdir answers EACCES, everything else is allowed
cat > "$root/profile.json" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [ { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13 } ]
}
EOF
out=$(E run --rm --security-opt "seccomp=$root/profile.json" busybox sh -c 'mkdir /x 2>&1; echo rc=$?')
contains "custom profile errno" "Permission denied" "$out"
contains "custom profile status" "rc=1" "$out"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_SOMETIMES"}]}' > "$root/bad.json"
err=$(E run --rm --security-opt "seccomp=$root/bad.json" busybox true 2>&1); check "bad profile exit" 125 $?
contains "bad profile names the file" "$root/bad.json" "$err"
contains "bad profile names the entry" 'syscalls[0] ("read"): unknown action "SCMP_ACT_SOMETIMES"' "$err"

# rlimits
check "ulimit nofile" "100 200" "$(E run --rm --ulimit nofile=100:200 busybox sh -c 'echo $(ulimit -n) $(ulimit -Hn)')"
err=$(E run --rm --ulimit nofiles=1 busybox true 2>&1); check "bad ulimit exit" 125 $?
contains "bad ulimit message" "nofiles" "$err"

# masked and read-only paths
check "masked /proc/kcore" 0 "$(E run --rm busybox sh -c 'cat /proc/kcore 2>/dev/null | wc -c')"
check "masked /proc/keys" 0 "$(E run --rm busybox sh -c 'cat /proc/keys 2>/dev/null | wc -c')"
check "masked /sys/firmware" "" "$(E run --rm busybox ls /sys/firmware 2>/dev/null)"
E run --rm busybox sh -c 'echo x > /proc/sys/kernel/domainname' 2>/dev/null; check "read-only /proc/sys" 1 $?
E run --rm busybox sh -c 'echo x > /proc/sysrq-trigger' 2>/dev/null; check "read-only /proc/sysrq-trigger" 1 $?

# env files: errors name file:line
printf 'A=1\n\n# comment\nNOT VALID=2\n' > "$root/bad.env"
err=$(E run --rm --env-file "$root/bad.env" busybox true 2>&1); check "bad env file exit" 125 $?
contains "bad env file names file:line" "$root/bad.env:4" "$err"
printf 'Q="quoted value"\r\nEMPTY=\r\n' > "$root/crlf.env"
check "env file: quotes kept, CRLF" '"quoted value"|' "$(E run --rm --env-file "$root/crlf.env" busybox sh -c 'echo "$Q|$EMPTY"')"

it_done
