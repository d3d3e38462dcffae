#!/usr/bin/env python3
"""Run a command in a container and print what it wrote.

    run.py [--root DIR] [--default-image] IMAGE [CMD...]    e.g.  run.py busybox echo hello

--default-image first creates the built-in busybox:latest from /bin/busybox.
"""

import argparse
import sys

import engine


def main() -> int:
    p = argparse.ArgumentParser(description="Run a command in a container.")
    p.add_argument("--root", help="libengine root (default /var/lib/engine)")
    p.add_argument("--config", help="daemon.json-style config file (e.g. its cgroup-parent)")
    p.add_argument("--default-image", action="store_true", help="create busybox:latest first")
    p.add_argument("image")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args()

    try:
        with engine.Context(root=args.root, config=args.config) as ctx:
            if args.default_image:
                ctx.images.create_default()
            # A normal user's containers get limits only where systemd
            # delegates a cgroup v2 subtree to them (README, rootless).
            limits = {} if ctx.has_feature("rootless") else {"memory": "64m", "pids_limit": 64}
            res = ctx.run(args.image, args.command or None, timeout=30, **limits)
    except engine.Error as e:
        print(f"run: {e}", file=sys.stderr)
        return 125
    sys.stdout.buffer.write(res.stdout)
    sys.stderr.buffer.write(res.stderr)
    extra = (", OOM-killed" if res.oom_killed else "") + (", timed out" if res.timed_out else "")
    print(f"[exit {res.exit_code}{extra}, {res.duration * 1000:.1f} ms]")
    return res.exit_code


if __name__ == "__main__":
    sys.exit(main())
