"""The Python side of bench/bindings: N ephemeral runs of `true` through
ctx.run(); prints the median and the minimum per run in microseconds.
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
    t.sort()
    print("%.1f %.1f" % (t[n // 2], t[0]))


if __name__ == "__main__":
    main()
