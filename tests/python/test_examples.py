"""examples/python/run.py runs a container and prints its output."""

import os
import subprocess
import sys

from conftest import TOP_SRCDIR


def test_run_example(root, config):
    script = os.path.join(TOP_SRCDIR, "examples", "python", "run.py")
    p = subprocess.run([sys.executable, script, "--root", root, "--config", config, "--default-image",
                        "busybox", "sh", "-c", "echo hello; exit 2"],
                       capture_output=True, timeout=120)
    lines = p.stdout.decode().splitlines()
    assert p.returncode == 2, p.stderr
    assert lines[0] == "hello"
    assert lines[1].startswith("[exit 2, ")


def test_run_example_missing_image(root, config):
    script = os.path.join(TOP_SRCDIR, "examples", "python", "run.py")
    p = subprocess.run([sys.executable, script, "--root", root, "--config", config, "nothing-here"],
                       capture_output=True, timeout=120)
    assert p.returncode == 125
    assert b"nothing-here" in p.stderr
