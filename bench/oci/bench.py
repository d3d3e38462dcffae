"""engine-oci vs runc vs crun on one bundle, interleaved (bench/oci/run.sh).

Two operations per runtime, each timed as its caller sees it:
  lifecycle  create --pid-file, start, wait for the process (we are the
             subreaper, as containerd's shim is), delete: what the shim does
  run        `run` of the same bundle (the runtime waits and deletes)
Every round runs each runtime once per operation, in an order that rotates
every round, so the machine's load spreads over all of them alike. crun
runs in a mount namespace where the cgroup2 mount is hidden (it refuses
this host's hybrid layout otherwise): a helper holds that namespace and
each crun call joins it before exec, so no wrapper process is timed.

usage: bench.py WORKDIR BUNDLE ROUNDS NAME=CMD... (CMD split on spaces)
prints one line per runtime and operation: median, p95 (ms), ratio to crun.
"""
import ctypes
import os
import subprocess
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNS = 0x00020000
PR_SET_CHILD_SUBREAPER = 36


def main():
    work, bundle, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runtimes = []
    for spec in sys.argv[4:]:
        name, cmd = spec.split("=", 1)
        runtimes.append((name, cmd.split()))
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    helper = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
         "umount /sys/fs/cgroup/unified 2>/dev/null; echo ready; exec sleep 100000"],
        stdout=subprocess.PIPE)
    helper.stdout.readline()
    crun_ns = os.open("/proc/%d/ns/mnt" % helper.pid, os.O_RDONLY | os.O_CLOEXEC)

    def call(name, argv):
        def enter():
            if name == "crun" and libc.setns(crun_ns, CLONE_NEWNS) != 0:
                os._exit(125)
        # stderr to a file, not a pipe: the container keeps the runtime's
        # stdio, a pipe would stay open as long as it lives
        with open(os.path.join(work, "stderr"), "w+") as err:
            p = subprocess.run(argv, preexec_fn=enter, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=err)
            if p.returncode != 0:
                err.seek(0)
                sys.exit("%s: %s: exit %d: %s" % (name, " ".join(argv), p.returncode, err.read()))

    def lifecycle(name, cmd, cid):
        pidfile = os.path.join(work, "pid")
        t0 = time.perf_counter()
        call(name, cmd + ["create", "--bundle", bundle, "--pid-file", pidfile, cid])
        pid = int(open(pidfile).read())
        call(name, cmd + ["start", cid])
        _, status = os.waitpid(pid, 0)
        call(name, cmd + ["delete", cid])
        t1 = time.perf_counter()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("%s: the container exited %d" % (name, status))
        return t1 - t0

    def run(name, cmd, cid):
        t0 = time.perf_counter()
        call(name, cmd + ["run", "--bundle", bundle, cid])
        return time.perf_counter() - t0

    ops = [("create+start+wait+delete", lifecycle), ("run", run)]
    times = {(n, op): [] for n, _ in runtimes for op, _ in ops}
    try:
        for i in range(rounds + 2):
            order = runtimes[i % len(runtimes):] + runtimes[:i % len(runtimes)]
            for op, fn in ops:
                for name, cmd in order:
                    cid = "bench-%s-%d-%d" % (name, os.getpid(), i)
                    try:
                        t = fn(name, cmd, cid)
                    except SystemExit:
                        # leave nothing behind: the failed container's state and cgroup
                        subprocess.run(cmd + ["delete", "--force", cid], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       preexec_fn=lambda: name == "crun" and libc.setns(crun_ns, CLONE_NEWNS))
                        raise
                    if i >= 2:  # two warm-up rounds
                        times[(name, op)].append(t)
                    # anything else we inherited as subreaper
                    try:
                        while os.waitpid(-1, os.WNOHANG)[0] > 0:
                            pass
                    except ChildProcessError:
                        pass
    finally:
        helper.kill()
        helper.wait()

    def stats(v):
        v = sorted(v)
        return v[len(v) // 2] * 1000, v[min(len(v) - 1, int(len(v) * 0.95))] * 1000

    print("%-26s %-10s %9s %9s %9s" % ("operation", "runtime", "median", "p95", "vs crun"))
    for op, _ in ops:
        base = stats(times[("crun", op)])[0] if ("crun", op) in times else None
        for name, _ in runtimes:
            med, p95 = stats(times[(name, op)])
            print("%-26s %-10s %7.1fms %7.1fms %8.2fx" % (op, name, med, p95, med / base if base else 0))


if __name__ == "__main__":
    main()
