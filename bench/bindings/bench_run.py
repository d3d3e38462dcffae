"""The Python side of bench/bindings: N ephemeral runs of `true` through
ctx.run(); prints the median and the minimum per run in microseconds, and
the binding's own share: building and freeing the spec plus converting the
result, without the container (median of N, microseconds); and the
process's resident size in MiB.
    bench_run.py ROOT N"""

import sys
import time

import engine


def main() -> None:
    root, n = sys.argv[1], int(sys.argv[2])
    with engine.Context(root=root) as ctx:
        ctx.run("busybox", ["true"])  # warm-up
        t = []
        for _ in range(n):
            t0 = time.perf_counter()
            res = ctx.run("busybox", ["true"])
            t.append((time.perf_counter() - t0) * 1e6)
            if res.exit_code != 0:
                sys.exit("bench_run.py: exit %d" % res.exit_code)
        w = []
        for _ in range(n):
            t0 = time.perf_counter()
            engine.Spec("busybox", ["true"]).close()
            engine.RunResult._from_c(engine.capi.engine_run_result())
            w.append((time.perf_counter() - t0) * 1e6)
    t.sort()
    w.sort()
    rss_mb = next(int(line.split()[1]) for line in open("/proc/self/status")
                  if line.startswith("VmRSS")) // 1024
    print("%.1f %.1f %.1f %d" % (t[n // 2], t[0], w[n // 2], rss_mb))


if __name__ == "__main__":
    main()
