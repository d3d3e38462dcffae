#!/bin/sh
# `engine daemon` networking through the Docker CLI and python3-docker, in a
# network namespace of the test's own (daemon_common.inc): network
# create/ls/inspect/rm/connect/disconnect/prune, names and aliases on a
# user-defined network, run -p 127.0.0.1::80 reached through the loopback
# forwarder, docker port and ps, --dns/--add-host, container: mode, inspect's
# NetworkSettings of running and stopped containers, errors.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { "$DOCKER" "$@"; }
until_ok() { i=0; while [ $i -lt 100 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; i=$((i + 1)); done; return 1; }
mkdir -p "$root/www"
echo hello > "$root/www/index.html"
HTTPD="httpd -f -p 80 -h /www"

# --- networks -----------------------------------------------------------------
D network create --subnet 10.123.0.0/24 --label purpose=test appnet >/dev/null; check "network create" 0 $?
D network create appnet >/dev/null 2>&1; check "duplicate name refused" 1 $?
check "duplicate name message" "Error response from daemon: network with name appnet already exists" \
	"$(D network create appnet 2>&1)"
D network create --driver overlay ov >/dev/null 2>&1; check "other drivers refused" 1 $?
check "network ls" "appnet bridge host none" "$(D network ls --format '{{.Name}}' | sort | tr '\n' ' ' | sed 's/ $//')"
check "network ls filter" "appnet" "$(D network ls -q --filter label=purpose=test --format '{{.Name}}')"
check "network ls type=builtin" "bridge host none" \
	"$(D network ls --filter type=builtin --format '{{.Name}}' | sort | tr '\n' ' ' | sed 's/ $//')"
check "inspect subnet" "10.123.0.0/24 10.123.0.1" \
	"$(D network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' appnet)"
check "inspect driver, labels" "bridge test false" \
	"$(D network inspect -f '{{.Driver}} {{index .Labels "purpose"}} {{.Internal}}' appnet)"
D network inspect nosuch >/dev/null 2>&1; check "inspect of an unknown network" 1 $?

# --- names, aliases, addresses ------------------------------------------------
D run -d --name web --network appnet --network-alias www -v "$root/www:/www:ro" busybox $HTTPD >/dev/null
check "run on a user network" 0 $?
check "by name" "hello" "$(D run --rm --network appnet busybox sh -c 'until wget -q -O- http://web/ 2>/dev/null; do sleep 0.1; done')"
check "by alias" "hello" "$(D run --rm --network appnet busybox wget -q -O- http://www/)"
ip=$(D inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' web)
check "address from the subnet" "10.123.0" "${ip%.*}"
check "aliases in inspect" "true" "$(D inspect -f '{{range .NetworkSettings.Networks.appnet.Aliases}}{{if eq . "www"}}true{{end}}{{end}}' web)"
check "gateway" "10.123.0.1" "$(D inspect -f '{{.NetworkSettings.Networks.appnet.Gateway}}' web)"
check "network lists the container" "web $ip/24" \
	"$(D network inspect -f '{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}' appnet)"
D network rm appnet >/dev/null 2>&1; check "rm of a network in use refused" 1 $?
D run -d --name peer --network appnet --ip 10.123.0.77 busybox sleep 60 >/dev/null
check "fixed address" "10.123.0.77" "$(D inspect -f '{{.NetworkSettings.Networks.appnet.IPAddress}}' peer)"

# --- published ports ------------------------------------------------------------
D run -d --name pub -p 127.0.0.1::80 -v "$root/www:/www:ro" busybox $HTTPD >/dev/null
check "run -p" 0 $?
hp=$(D port pub 80 | head -1)
case "$hp" in 127.0.0.1:[0-9]*) check "docker port" ok ok ;; *) check "docker port" "127.0.0.1:N" "$hp" ;; esac
until_ok busybox wget -q -O /dev/null "http://$hp/"
check "published port reached" "hello" "$(busybox wget -q -O- "http://$hp/")"
nio=$(D stats --no-stream --format '{{.NetIO}}' pub)
case "$nio" in "0B / 0B" | "") check "stats NET I/O counts the served request" "non-zero" "$nio" ;;
*) check "stats NET I/O counts the served request" ok ok ;; esac
check "stats of a bridge container: networks.eth0" "true" \
	"$(curl -s --unix-socket "$sock" "http://d/containers/pub/stats?stream=0&one-shot=1" |
		/usr/bin/python3 -c 'import json,sys; n=json.load(sys.stdin).get("networks",{}); print(str(n.get("eth0",{}).get("rx_bytes",0)>0).lower())')"
check "ps ports" "$hp->80/tcp" "$(D ps --filter name=pub --format '{{.Ports}}')"
check "default bridge" "bridge" "$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' pub)"
check "IPAddress at the top" "10.77.0" "$(D inspect -f '{{.NetworkSettings.IPAddress}}' pub | cut -d. -f1-3)"
D run -d --name fixed -p 18080:80 -v "$root/www:/www:ro" busybox $HTTPD >/dev/null; check "run -p HOST:CTR" 0 $?
until_ok busybox wget -q -O /dev/null http://127.0.0.1:18080/
check "fixed host port reached" "hello" "$(busybox wget -q -O- http://127.0.0.1:18080/)"
D run --rm -p 18080:80 busybox true >/dev/null 2>&1; check "a host port in use refused" 125 $?
D rm -f fixed >/dev/null
D run -d --name pa --expose 80 -P -v "$root/www:/www:ro" busybox $HTTPD >/dev/null
check "-P publishes EXPOSE" "1" "$(D port pa | grep -c '^80/tcp -> 0.0.0.0:')"
names() { D ps "$@" --format '{{.Names}}' | sort | tr '\n' ' ' | sed 's/ $//'; }
check "ps --filter network" "peer web" "$(names --filter network=appnet)"
check "ps --filter publish" "pa pub" "$(names --filter publish=80)"
check "ps --filter publish range" "pa pub" "$(names --filter publish=79-81/tcp)"
check "ps --filter publish udp" "" "$(names --filter publish=80/udp)"
check "ps --filter expose" "pa pub" "$(names --filter expose=80)"

# --- connect, disconnect ------------------------------------------------------
D network connect --alias pubby appnet pub; check "network connect" 0 $?
check "connected" "appnet bridge" \
	"$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' pub | sed 's/ $//')"
check "reached on the new network" "hello" "$(D exec peer wget -q -O- http://pubby/)"
D network connect appnet pub >/dev/null 2>&1; check "second connect refused" 1 $?
D network disconnect appnet pub; check "network disconnect" 0 $?
check "disconnected" "bridge" "$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' pub)"

# --- files, modes, errors ------------------------------------------------------
out=$(D run --rm --dns 10.1.2.3 --dns-search example.test --add-host foo:10.9.8.7 busybox sh -c 'cat /etc/resolv.conf /etc/hosts')
check "--dns" "nameserver 10.1.2.3" "$(echo "$out" | grep '^nameserver')"
check "--dns-search" "search example.test" "$(echo "$out" | grep '^search')"
check "--add-host" "10.9.8.7	foo" "$(echo "$out" | grep -w foo | sed 's/[[:space:]]\+/	/')"
check "host-gateway" "10.77.0.1 host.docker.internal" \
	"$(D run --rm --add-host host.docker.internal:host-gateway busybox grep -w host.docker.internal /etc/hosts | tr -s ' \t' '  ')"
check "container: mode" "hello" "$(D run --rm --network container:web busybox wget -q -O- http://127.0.0.1/)"
check "none" "lo" "$(D run --rm --network none busybox ls /sys/class/net)"
check "unknown network" "docker: Error response from daemon: network nosuch not found" \
	"$(D run --rm --network nosuch busybox true 2>&1 | head -1)"
D run --rm --network container:nosuch busybox true >/dev/null 2>&1; check "unknown container: refused" 125 $?
D run --rm -p 80 --network container:web busybox true >/dev/null 2>&1; check "ports with container: refused" 125 $?
D run --rm --network-alias x busybox true >/dev/null 2>&1; check "alias on the default bridge refused" 125 $?
D stop -t 1 pub >/dev/null
check "stopped keeps its network" "bridge []" \
	"$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} [{{$v.IPAddress}}]{{end}}' pub)"
D network connect appnet pub
check "stopped, connected" "appnet bridge" \
	"$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' pub | sed 's/ $//')"
D network disconnect bridge pub; check "disconnect from its own network" 0 $?
check "only the other network left" "appnet" "$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' pub)"
D start pub >/dev/null
check "started on appnet alone" "10.123.0" \
	"$(D inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$v.IPAddress}}{{end}}' pub | cut -d. -f1-3)"
D stop -t 1 pub >/dev/null

# --- removal, prune ----------------------------------------------------------
D rm -f web peer pub pa >/dev/null
D network rm appnet >/dev/null; check "network rm" 0 $?
D network rm bridge >/dev/null 2>&1; check "rm of bridge refused" 1 $?
D network create spare >/dev/null
check "network prune" "spare" "$(D network prune -f | grep -x spare)"

# --- python3-docker -------------------------------------------------------------
if /usr/bin/python3 -c 'import docker' 2>/dev/null; then
	timeout 300 /usr/bin/python3 - "$DOCKER_HOST" "$root/www" <<'PY'
import sys, time, urllib.request
import docker

fails = 0
def check(name, want, got):
    global fails
    if want == got:
        print("ok   " + name)
    else:
        print("FAIL %s: expected [%r] got [%r]" % (name, want, got))
        fails += 1

c = docker.DockerClient(base_url=sys.argv[1], version="auto")
net = c.networks.create("pynet", labels={"k": "v"})
check("networks.create", "pynet", net.name)
check("networks.list(names=)", ["pynet"], [n.name for n in c.networks.list(names=["pynet"])])
web = c.containers.run("busybox", ["httpd", "-f", "-p", "80", "-h", "/www"], detach=True, network="pynet",
                       ports={"80/tcp": ("127.0.0.1", None)}, volumes={sys.argv[2]: {"bind": "/www", "mode": "ro"}})
web.reload()
port = web.ports["80/tcp"][0]["HostPort"]
body = None
for _ in range(100):
    try:
        body = urllib.request.urlopen("http://127.0.0.1:%s/" % port, timeout=5).read()
        break
    except OSError:
        time.sleep(0.1)
check("ports= reached", b"hello\n", body)
net.reload()
check("network.containers", [web.id], [x.id for x in net.containers])
check("NetworkSettings.Networks", ["pynet"], list(web.attrs["NetworkSettings"]["Networks"]))
other = c.containers.run("busybox", ["sleep", "60"], detach=True, network_mode="none")
try:
    net.connect(other)
    check("connect of a none container refused", True, False)
except docker.errors.APIError:
    check("connect of a none container refused", True, True)
other.remove(force=True)
try:
    net.remove()
    check("remove in use refused", True, False)
except docker.errors.APIError as e:
    check("remove in use refused", 403, e.status_code)
web.remove(force=True)
net.remove()
try:
    c.networks.get("pynet")
    check("NotFound after remove", True, False)
except docker.errors.NotFound:
    check("NotFound after remove", True, True)
sys.exit(1 if fails else 0)
PY
	check "python3-docker networks" 0 $?
fi
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
