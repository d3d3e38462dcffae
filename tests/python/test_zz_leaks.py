"""Runs last: nothing the suite started may be left mounted or running."""

import os


def _mounts():
    with open("/proc/self/mountinfo") as f:
        return [line.split()[4] for line in f]


def test_no_mounts_left():
    left = [m for m in _mounts() if "engine-pytest-" in m]
    assert left == []


def test_no_processes_left():
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            root = os.readlink(f"/proc/{pid}/root")
        except OSError:
            continue
        if "engine-pytest-" in root:
            left.append((pid, root))
    assert left == []


def test_session_context_has_no_containers(engine_context):
    assert engine_context.containers.ids(all=True) == []
