"""The network tests run in a network namespace of their own (house rule:
bridges, veths and nftables rules never appear in the host's): this test
runs tests/python/netns/service_case.py under `unshare --net`."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"),
                    reason="needs root, unshare and ip")
def test_networking_in_own_namespace():
    case = os.path.join(HERE, "netns", "service_case.py")
    cmd = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
           sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE",
           "--rootdir", os.path.join(HERE, "netns"), case]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 passed" in r.stdout, r.stdout
