#!/bin/sh
# Health checks end to end (as root, own engine root, cgroup parent and
# network namespace), against Docker's documented behaviour: --health-cmd
# and its interval/retries/timeout/start-period, the image's HEALTHCHECK,
# --no-healthcheck, the status in ps ("(healthy)", "(health: starting)"),
# the health= filter, State.Health in inspect with its log. The checks wait
# for a state with a generous bound; nothing depends on how fast it comes.
set -u
. "$(dirname "$0")/lib.sh"
it_require_root
it_require_busybox
. "$(dirname "$0")/netns.inc"
it_engine_root health
it_tmpdir

E default >/dev/null || fail "engine default"
health() { E inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
until_health() { # until_health CONTAINER STATUS: at most 60 s
	i=0
	while [ "$(health "$1")" != "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	health "$1"
}

# a check that passes once /tmp/ok exists
E run -d --name h1 --network none --health-cmd 'test -f /tmp/ok && echo fine' --health-interval 100ms \
	--health-retries 2 busybox sleep 600 >/dev/null
contains "starting first" "health: starting" "$(E ps --filter name=h1 --format '{{.Status}}')"
check "failing checks make it unhealthy" "unhealthy" "$(until_health h1 unhealthy)"
check "health=unhealthy filter" "h1" "$(E ps --filter health=unhealthy --format '{{.Names}}')"
contains "ps shows (unhealthy)" "(unhealthy)" "$(E ps --filter name=h1 --format '{{.Status}}')"
E exec h1 touch /tmp/ok
check "a pass makes it healthy" "healthy" "$(until_health h1 healthy)"
contains "ps shows (healthy)" "(healthy)" "$(E ps --filter name=h1 --format '{{.Status}}')"
check "health=healthy filter" "h1" "$(E ps --filter health=healthy --format '{{.Names}}')"
check "streak reset" "0" "$(E inspect -f '{{.State.Health.FailingStreak}}' h1)"
contains "log output" "fine" "$(E inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' h1)"
check "log keeps 5" "5" "$(sleep 1; E inspect -f '{{len .State.Health.Log}}' h1)"
# (durations in nanoseconds, as the API carries them)
check "Config.Healthcheck" "[CMD-SHELL test -f /tmp/ok && echo fine] 100000000 2" \
	"$(E inspect -f '{{.Config.Healthcheck.Test}} {{.Config.Healthcheck.Interval}} {{.Config.Healthcheck.Retries}}' h1)"
E run -d --name plain --network none busybox sleep 600 >/dev/null
check "health=none filter" "plain" "$(E ps --filter health=none --format '{{.Names}}')"
check "no Health without a check" "" "$(E inspect plain | grep -c '"Health"' | sed 's/^0$//')"
E ps --filter health=sick >/dev/null 2>&1; check "bad health filter" 1 $?

# a timeout counts as a failure, with Docker's message
E run -d --name slow --network none --health-cmd 'sleep 5' --health-timeout 200ms --health-interval 100ms \
	--health-retries 1 busybox sleep 600 >/dev/null
check "timeout makes it unhealthy" "unhealthy" "$(until_health slow unhealthy)"
contains "timeout message" "Health check exceeded timeout" "$(E inspect -f '{{range .State.Health.Log}}{{.Output}}{{end}}' slow)"
check "exit code -1" "-1" "$(E inspect -f '{{range .State.Health.Log}}{{.ExitCode}}{{end}}' slow | cut -c1-2)"

# failures in the start period do not count: still starting after several
E run -d --name grace --network none --health-cmd false --health-interval 100ms --health-retries 1 \
	--health-start-period 10m busybox sleep 600 >/dev/null
i=0
while [ "$(E inspect -f '{{len .State.Health.Log}}' grace 2>/dev/null || echo 0)" -lt 3 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "start period: failures do not count" "starting 0" "$(E inspect -f '{{.State.Health.Status}} {{.State.Health.FailingStreak}}' grace)"

# the image's HEALTHCHECK, and --no-healthcheck
mkdir -p "$T/ctx"
cat >"$T/ctx/Dockerfile" <<'EOF2'
FROM busybox
HEALTHCHECK --interval=100ms --retries=1 CMD ["true"]
EOF2
E build -q -t checked "$T/ctx" >/dev/null 2>&1 || E build -t checked "$T/ctx" >/dev/null || fail "build"
contains "the image records its Healthcheck" '"Healthcheck"' "$(E image inspect checked 2>/dev/null || E inspect checked)"
E run -d --name img --network none checked sleep 600 >/dev/null
check "the image's check runs" "healthy" "$(until_health img healthy)"
E run -d --name nohc --network none --no-healthcheck checked sleep 600 >/dev/null
check "--no-healthcheck" "none" "$(E ps -a --filter name=nohc --filter health=none --format '{{.Names}}' | sed 's/^nohc$/none/')"
E run -d --name over --network none --health-cmd 'exit 1' --health-retries 1 --health-interval 100ms checked sleep 600 >/dev/null
check "--health-cmd replaces the image's" "unhealthy" "$(until_health over unhealthy)"
E run --rm --network none --health-interval 10 busybox true 2>/dev/null
check "bad duration is 125" 125 $?

E rm -f h1 plain slow grace img nohc over >/dev/null
# monitors and their checkers carry the engine's command line with this root
check "no monitor or checker left" "0" "$(ps -eo args | grep -v grep | grep -c -- "--root $root")"
it_check_nothing_left
it_done
