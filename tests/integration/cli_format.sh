#!/bin/sh
# docker's --format on the CLI's listings and inspects (Go templates over
# docker's field names, "json", "table" with headers), version and info,
# checked against Docker's documented output. In a network namespace of its
# own (the CLI's default network is the bridge).
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root format

E default >/dev/null || { echo "FAIL: engine default"; exit 1; }
E tag busybox:latest my/app:v1

# images
check "images table header" "REPOSITORY   TAG       IMAGE ID       CREATED   SIZE" "$(E images | head -n1)"
check "images template" "busybox:latest,my/app:v1" "$(E images --format '{{.Repository}}:{{.Tag}}' | sort | paste -sd, -)"
check "images table TEMPLATE" "REPOSITORY   TAG" "$(E images --format 'table {{.Repository}}\t{{.Tag}}' | head -n1)"
check "images json is one object a line" "busybox my/app" \
	"$(E images --format json | /usr/bin/python3 -c 'import json,sys; print(*sorted(json.loads(l)["Repository"] for l in sys.stdin))')"
check "images REPOSITORY filter" "my/app v1" "$(E images my/app --format '{{.Repository}} {{.Tag}}')"
check "images functions" "MY/APP|v1" "$(E images my/app:v1 --format '{{upper .Repository}}|{{lower .Tag}}')"
err=$(E images --format '{{.Nope}}' 2>&1); rc=$?
check "images unknown field exits 1" 1 $rc
contains "error names the field and the template" 'can'"'"'t evaluate field Nope' "$err"
contains "error quotes the template" '"{{.Nope}}"' "$err"
err=$(E images --format '{{.Repository' 2>&1); rc=$?
check "unclosed action exits 1" 1 $rc
contains "unclosed action named" "unclosed action" "$err"
contains "undefined function named" 'function "nosuch" not defined' "$(E images --format '{{nosuch .ID}}' 2>&1)"

# ps
E create --network none --name c1 -l app=web -l tier=front busybox sh -c 'echo a very long command line' >/dev/null
E create --network none --name c2 busybox true >/dev/null
check "ps default header" "CONTAINER ID   IMAGE     COMMAND                  CREATED" "$(E ps -a | head -n1 | cut -c1-64 | sed 's/ *$//')"
check "ps --format Names, newest first" "c2,c1" "$(E ps -a --format '{{.Names}}' | paste -sd, -)"
check "ps Label method" "web|" "$(E ps -a --filter name=c1 --format '{{.Label "app"}}|{{.Label "none"}}')"
check "ps Labels text" "app=web,tier=front" "$(E ps -a --filter name=c1 --format '{{.Labels}}')"
check "ps Command quoted and cut at 20" '"sh -c echo a very l…"' "$(E ps -a --filter name=c1 --format '{{.Command}}')"
check "ps --no-trunc Command" '"sh -c echo a very long command line"' "$(E ps -a --no-trunc --filter name=c1 --format '{{.Command}}')"
check "ps ID is 12 hex" 12 "$(E ps -a -l --format '{{.ID}}' | tr -d '\n' | wc -c)"
check "ps --no-trunc ID is 64 hex" 64 "$(E ps -a -l --no-trunc --format '{{.ID}}' | tr -d '\n' | wc -c)"
check "ps -l is the newest" "c2" "$(E ps -l --format '{{.Names}}')"
check "ps -n 1" "c2" "$(E ps -n 1 --format '{{.Names}}')"
check "ps -n 5 includes stopped" 2 "$(E ps -n 5 -q | wc -l | tr -d ' ')"
check "ps without -a hides created" "" "$(E ps -q)"
check "ps if/else" "c1:labelled c2:plain" \
	"$(E ps -a --format '{{.Names}}:{{if .Labels}}labelled{{else}}plain{{end}}' | sort | paste -sd' ' -)"
check "ps json keys as docker's" "Command,CreatedAt,ID,Image,Labels,LocalVolumes,Mounts,Names,Networks,Ports,RunningFor,Size,State,Status" \
	"$(E ps -a -l --format json | /usr/bin/python3 -c 'import json,sys; print(",".join(json.loads(sys.stdin.read())))')"
check "ps table TEMPLATE" "NAMES     STATE|c2        created|c1        created" \
	"$(E ps -a --format 'table {{.Names}}\t{{.State}}' | paste -sd'|' -)"
check "ps table of nothing is its header" "CONTAINER ID   NAMES" "$(E ps --format 'table {{.ID}}\t{{.Names}}')"
check "ps -q" 2 "$(E ps -aq | wc -l | tr -d ' ')"
E ps --bogus >/dev/null 2>&1; check "ps unknown flag exits 125" 125 $?
check "ps unknown flag names it" "unknown flag: --bogus" "$(E ps --bogus 2>&1 | head -n1)"
E ps -n x >/dev/null 2>&1; check "ps -n needs a number" 125 $?
check "ps --help" "Usage:  engine ps [OPTIONS]" "$(E ps --help | sed -n 2p)"

# inspect -f
check "inspect -f" "/c1 created" "$(E inspect -f '{{.Name}} {{.State.Status}}' c1)"
check "inspect -f json of a map" '{"app":"web","tier":"front"}' "$(E container inspect -f '{{json .Config.Labels}}' c1)"
check "inspect -f range over a map" "app=web;tier=front;" \
	"$(E inspect --format '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}' c1)"
check "inspect -f index" "web" "$(E inspect -f '{{index .Config.Labels "app"}}' c1)"
check "inspect -f over two objects" "/c1|/c2" "$(E inspect -f '{{.Name}}' c1 c2 | paste -sd'|' -)"
check "inspect -f of a missing key" "<no value>" "$(E inspect -f '{{.Nope}}' c1)"
check "inspect --type image" "linux" "$(E inspect --type image -f '{{.Os}}' busybox)"
E inspect --type image c1 >/dev/null 2>&1; check "inspect --type image of a container" 1 $?
check "image inspect -f join" "busybox:latest,my/app:v1" "$(E image inspect -f '{{join .RepoTags ","}}' busybox)"
E inspect -f '{{.State.Nope.X}}' c1 >/dev/null 2>&1; check "inspect -f nil pointer exits 1" 1 $?

# network ls / inspect
check "network ls names" "bridge,host,none" "$(E network ls --format '{{.Name}}' | sort | paste -sd, -)"
check "network ls header" "NETWORK ID     NAME      DRIVER    SCOPE" "$(E network ls | head -n1)"
check "network inspect -f" "none null" "$(E network inspect -f '{{.Name}} {{.Driver}}' none)"

# version and info
check "version -f" "$(E --version | sed 's/.* //')" "$(E version -f '{{.Server.Version}}')"
check "version json has Client and Server" "Client Server" \
	"$(E version --format json | /usr/bin/python3 -c 'import json,sys; print(*sorted(json.load(sys.stdin)))')"
check "info -f" "linux 2 1" "$(E info -f '{{.OSType}} {{.Containers}} {{.Images}}')"
check "info root" "$root" "$(E info --format '{{.DockerRootDir}}')"
contains "info text" " Containers: 2" "$(E info)"

# stats of a running container through a template
E run -d --network none --name s1 busybox sleep 60 >/dev/null
check "stats --format" "s1 1" "$(E stats --no-stream --format '{{.Name}} {{.PIDs}}' s1)"
check "stats header" "CONTAINER ID   NAME" "$(E stats --no-stream s1 | head -n1 | cut -c1-19)"
contains "stats MemUsage in binary units" "iB / " "$(E stats --no-stream --format '{{.MemUsage}}' s1)"
check "stats of a stopped container with -a" "c1 0.00%" "$(E stats -a --no-stream --format '{{.Name}} {{.CPUPerc}}' c1)"
E rm -f s1 c1 c2 >/dev/null

it_check_nothing_left
echo "$fails failed"
[ "$fails" -eq 0 ]
