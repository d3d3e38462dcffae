#!/bin/sh
# Networking end to end through the CLI, inside a network namespace of the
# test's own (netns.inc): user-defined networks with names and aliases,
# published ports through DNAT (seen from a client namespace) and through
# the loopback forwarder, -P with EXPOSE, container: mode, --add-host and
# --dns, --internal, concurrent address allocation, network rm refusals,
# and recovery after kill -9.
set -u
[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
[ -x /bin/busybox ] || { echo "skip: no /bin/busybox"; exit 77; }
command -v unshare >/dev/null && command -v nsenter >/dev/null && command -v ip >/dev/null ||
	{ echo "skip: needs unshare, nsenter and ip"; exit 77; }
. "$(dirname "$0")/netns.inc"
ENGINE_BUILD=${ENGINE_BUILD:-$(pwd)}
root=$(mktemp -d /tmp/engine-it-network-XXXXXX)
parent="engine-it-$(basename "$root")"
printf '{"cgroup-parent": "%s"}\n' "$parent" > "$root/config.json"
E() { "$ENGINE_BUILD/tools/engine" --root "$root" --config "$root/config.json" "$@"; }
fails=0
client=""
cleanup() {
	E rm -f $(E ps -a -q 2>/dev/null) >/dev/null 2>&1
	[ -n "$client" ] && kill "$client" 2>/dev/null
	for d in /sys/fs/cgroup/*/"$parent"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	rm -rf "$root"
}
trap cleanup EXIT
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1: expected [$2] got [$3]"; fails=$((fails + 1)); fi
}
# Wait until a command succeeds (a server needs a moment to listen).
until_ok() { i=0; while [ $i -lt 100 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; i=$((i + 1)); done; return 1; }

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }
mkdir -p "$root/www/cgi-bin"
echo hello > "$root/www/index.html"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR" | sed "s/^\\[::ffff:\\(.*\\)\\]$/\\1/"\n' > "$root/www/cgi-bin/addr"
chmod +x "$root/www/cgi-bin/addr"
HTTPD="httpd -f -p 80 -h /www"

# --- names and aliases on a user-defined network ---------------------------
E network create --label purpose=test appnet >/dev/null; check "network create" 0 $?
E network create appnet >/dev/null 2>&1; check "duplicate name refused" 1 $?
E network create --subnet 10.99.0.0/33 bad >/dev/null 2>&1; check "bad subnet refused" 1 $?
check "network ls" "appnet bridge host none" "$(E network ls | awk 'NR>1{print $2}' | sort | tr '\n' ' ' | sed 's/ $//')"
E run -d --name web --network appnet --network-alias www -v "$root/www:/www:ro" busybox $HTTPD >/dev/null
check "by name" "hello" "$(E run --rm --network appnet busybox sh -c 'until wget -q -O- http://web/ 2>/dev/null; do sleep 0.1; done')"
check "by alias" "hello" "$(E run --rm --network appnet busybox wget -q -O- http://www/)"
check "by nc" "200 OK" "$(E run --rm --network appnet busybox sh -c 'printf "GET / HTTP/1.0\r\n\r\n" | nc web 80 | head -1 | tr -d "\r" | cut -d" " -f2-')"
check "default bridge does not resolve names" "" "$(E run --rm busybox grep -w web /etc/hosts)"
E network rm appnet >/dev/null 2>&1; check "rm of a network in use refused" 1 $?
E run -d --name peer --network appnet busybox sleep 60 >/dev/null
until_ok E exec peer grep -q web /etc/hosts
E stop -t 1 web >/dev/null
check "name gone with the container" "" "$(E exec peer grep -w web /etc/hosts)"
E rm -f peer >/dev/null

# --- published ports: DNAT from another namespace, loopback forwarder ----------
E rm -f web >/dev/null
E run -d --name web --network appnet -p 127.0.0.1:8080:80 -p 80 -v "$root/www:/www:ro" busybox $HTTPD >/dev/null
until_ok wget -q -O- http://127.0.0.1:8080/
check "loopback forwarder" "hello" "$(wget -q -O- http://127.0.0.1:8080/)"
port=$(E port web 80/tcp | sed -n 's/^0\.0\.0\.0://p')
check "ephemeral host port" "yes" "$([ -n "$port" ] && [ "$port" -gt 0 ] && echo yes)"
check "engine port" "80/tcp -> 127.0.0.1:8080" "$(E port web | grep 8080)"
gw=$(E network inspect appnet | sed -n 's/.*"Gateway": "\(.*\)".*/\1/p')
# A client in a namespace of its own, routed through ours: only DNAT can
# bring its connection to the container with its own source address.
unshare --net sleep 600 &
client=$!
sleep 0.2
ip link add cl0 type veth peer name cl1 netns "$client"
ip addr add 192.0.2.1/24 dev cl0 && ip link set cl0 up
nsenter --net=/proc/$client/ns/net sh -c 'ip link set lo up; ip addr add 192.0.2.2/24 dev cl1; ip link set cl1 up; ip route add default via 192.0.2.1'
check "DNAT keeps the client's address" "192.0.2.2" "$(nsenter --net=/proc/$client/ns/net wget -q -T 5 -O- "http://192.0.2.1:$port/cgi-bin/addr")"
check "forwarder connects from the gateway" "$gw" "$(wget -q -O- http://127.0.0.1:8080/cgi-bin/addr)"
check "DNAT to the gateway address" "hello" "$(wget -q -T 5 -O- "http://$gw:$port/")"
E run --rm --network appnet -p 127.0.0.1:8080:80 busybox true 2>/dev/null; check "port already allocated" 125 $?
E rm -f web >/dev/null
check "NAT entries gone" "" "$(nft list map ip engine ports_any | grep -o ': [0-9.]* \. 80')"
check "forwarder gone" "refused" "$(wget -q -T 2 -O- http://127.0.0.1:8080/ >/dev/null 2>&1 || echo refused)"

# --- -P with EXPOSE --------------------------------------------------------------
mkdir -p "$root/ctx" && printf 'FROM busybox\nEXPOSE 80 81/udp\n' > "$root/ctx/Dockerfile"
E build -q -t exposed "$root/ctx" >/dev/null 2>&1 || E build -t exposed "$root/ctx" >/dev/null
E run -d --name pub -P -v "$root/www:/www:ro" exposed $HTTPD >/dev/null
check "-P publishes EXPOSE" "80/tcp 81/udp" "$(E port pub | cut -d' ' -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
p=$(E port pub 80 | cut -d: -f2)
until_ok wget -q -O- "http://127.0.0.1:$p/"
check "-P port serves" "hello" "$(wget -q -O- "http://127.0.0.1:$p/")"

# --- container: mode ---------------------------------------------------------------
check "container: mode shares the namespace" "hello" "$(E run --rm --network container:pub busybox wget -q -O- http://127.0.0.1/)"
E rm -f pub >/dev/null

# --- files: --add-host, --dns, --dns-search, --hostname ------------------------------
check "--add-host" "1.2.3.4	db.local" "$(E run --rm --add-host db.local:1.2.3.4 busybox grep db.local /etc/hosts)"
check "--dns" "nameserver 192.0.2.53" "$(E run --rm --dns 192.0.2.53 busybox grep nameserver /etc/resolv.conf)"
check "--dns-search" "search example.test" "$(E run --rm --dns-search example.test busybox grep search /etc/resolv.conf)"
check "--hostname" "box1" "$(E run --rm --hostname box1 busybox cat /etc/hostname)"
check "no loopback resolvers" "" "$(E run --rm busybox grep 'nameserver 127\.' /etc/resolv.conf)"

# --- --internal ------------------------------------------------------------------------
E network create --internal inner >/dev/null
check "internal: no default route" "" "$(E run --rm --network inner busybox ip route | grep default)"
check "internal: peers still reachable" "ok" "$(E run --rm --network inner busybox sh -c 'ip -4 addr show eth0 | grep -q inet && echo ok')"

# --- 50 containers from 5 processes at once: 50 addresses -------------------------------
pids=""
for p in 1 2 3 4 5; do
	(for i in 1 2 3 4 5 6 7 8 9 10; do E run -d --network appnet busybox sleep 120 >/dev/null; done) &
	pids="$pids $!"
done
wait $pids
ips=$(for c in $(E ps -q); do E inspect "$c" | sed -n 's/.*"IPAddress": *"\([0-9.]*\)".*/\1/p' | head -1; done)
check "50 running" 50 "$(echo "$ips" | grep -c .)"
check "50 distinct addresses" 50 "$(echo "$ips" | sort -u | grep -c .)"

# --- kill -9 of every engine process, then the next command reconciles ------------------
E run -d --name victim --network appnet -p 127.0.0.1:8081:80 busybox sleep 120 >/dev/null
for c in $(E ps -q); do
	st=$(cat "$root/containers/$c"*/state.json)
	for key in MonitorPid Pid; do
		pid=$(echo "$st" | sed -n "s/.*\"$key\":\([0-9]*\).*/\1/p")
		[ -n "$pid" ] && [ "$pid" != 0 ] && kill -9 "$pid"
	done
done
i=0; while [ $i -lt 100 ] && [ "$(ip -o link show type veth | wc -l)" != 1 ]; do sleep 0.1; i=$((i + 1)); done
E ps >/dev/null
check "no stale leases" '{"Endpoints":[]' "$(cut -c1-15 "$root/run/net/state.json")"
check "no stale NAT entries" "" "$(nft list map ip engine ports_ip | grep elements)"
check "no stale veths" "cl0" "$(ip -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)"
E rm -f $(E ps -a -q) >/dev/null 2>&1
E network rm appnet inner >/dev/null; check "network rm" 0 $?
check "bridges removed" "" "$(ip -o link show type bridge | grep -o 'eng-[0-9a-f]*')"
check "prune keeps nothing to prune" "" "$(E network prune -f)"

# --- a subnet taken by a host route is skipped, as Docker does --------------------------
E network create probe >/dev/null
taken=$(E network inspect probe | sed -n 's/.*"Subnet": *"\([^"]*\)".*/\1/p' | tr -d '\\' | head -1)
E network rm probe >/dev/null
ip route add "$taken" dev lo
E network create probe >/dev/null
got=$(E network inspect probe | sed -n 's/.*"Subnet": *"\([^"]*\)".*/\1/p' | tr -d '\\' | head -1)
ip route del "$taken" dev lo
[ -n "$taken" ] && [ -n "$got" ] && [ "$got" != "$taken" ]; check "host route's subnet skipped ($taken, $got)" 0 $?
E network rm probe >/dev/null

# --- leaving the network of its own, then coming back ---------------------------------
ifaces() { E exec "$1" ls /sys/class/net | tr '\n' ' ' | sed 's/ $//'; }
E run -d --name lone busybox sleep 120 >/dev/null
E network disconnect bridge lone; check "disconnect from its own network" 0 $?
check "loopback only" "lo" "$(ifaces lone)"
E network disconnect bridge lone 2>/dev/null; check "second disconnect refused" 1 $?
E stop -t 0 lone >/dev/null; E start lone >/dev/null
check "still off after a restart" "lo" "$(ifaces lone)"
E network connect bridge lone; check "connect back" 0 $?
check "back on the bridge" "eth0 lo" "$(ifaces lone)"
check "reaches the gateway" "0" "$(E exec lone ping -c1 -W2 10.77.0.1 >/dev/null 2>&1; echo $?)"
E run -d --name pubd -p 80 busybox sleep 120 >/dev/null
E network disconnect bridge pubd 2>/dev/null; check "disconnect with published ports refused" 1 $?
E rm -f lone pubd >/dev/null

# --- host-gateway ----------------------------------------------------------------
check "host-gateway on the default bridge" "10.77.0.1 gw" \
	"$(E run --rm --add-host gw:host-gateway busybox grep -w gw /etc/hosts | tr -s ' \t' '  ')"
E network create --subnet 10.125.0.0/24 gwnet >/dev/null
check "host-gateway on a user network" "10.125.0.1 gw" \
	"$(E run --rm --network gwnet --add-host gw:host-gateway busybox grep -w gw /etc/hosts | tr -s ' \t' '  ')"
E network rm gwnet >/dev/null
E run --rm --add-host gw:nothing busybox true 2>/dev/null; check "a bad --add-host refused" 125 $?

echo "network: $fails failures"
[ "$fails" = 0 ]
