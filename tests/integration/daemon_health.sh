#!/bin/sh
# `engine daemon`'s health checks through the Docker CLI, in a network
# namespace of the test's own (daemon_common.inc): create's Healthcheck
# (docker run --health-*), State.Health in inspect, "(healthy)" in ps, the
# health filter, --no-healthcheck. States are waited for, never timed.
set -u
. "$(dirname "$0")/daemon_common.inc"
start_daemon
D() { "$DOCKER" "$@"; }
until_health() { # until_health CONTAINER STATUS: at most 60 s
	i=0
	while [ "$(D inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null)" != "$2" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	D inspect -f '{{.State.Health.Status}}' "$1"
}

D run -d --name hc --network none --health-cmd 'test -f /tmp/ok' --health-interval 100ms --health-retries 2 \
	busybox sleep 600 >/dev/null
check "run with a health check" 0 $?
check "unhealthy first" "unhealthy" "$(until_health hc unhealthy)"
D exec hc touch /tmp/ok
check "then healthy" "healthy" "$(until_health hc healthy)"
case "$(D ps --filter name=hc --format '{{.Status}}')" in
*"(healthy)") check "ps status" ok ok ;;
*) check "ps status" "Up ... (healthy)" "$(D ps --filter name=hc --format '{{.Status}}')" ;;
esac
check "health filter" "hc" "$(D ps --filter health=healthy --format '{{.Names}}')"
check "Config.Healthcheck" "[CMD-SHELL test -f /tmp/ok] 2" \
	"$(D inspect -f '{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Retries}}' hc)"
check "log entries" "0" "$(D inspect -f '{{range .State.Health.Log}}{{.ExitCode}}{{end}}' hc | tail -c 2)"
D run -d --name nohc --network none --no-healthcheck busybox sleep 600 >/dev/null
check "--no-healthcheck: no Health" "none" "$(D ps --filter health=none --format '{{.Names}}' | grep -x nohc | sed 's/nohc/none/')"
D run --rm --network none --health-interval 10us busybox true >/dev/null 2>&1
check "a too short interval is refused" 125 $?
D rm -f hc nohc >/dev/null
[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
[ $fails -eq 0 ]
