"""Networking through the binding; run by test_network.py inside a network
namespace of its own (never collected in the host's)."""

import urllib.request

import pytest

import engine

pytest_plugins = ["engine.pytest_plugin"]


def test_service_fixture_serves_httpd(service, tmp_path):
    (tmp_path / "index.html").write_text("hello from the service\n")
    svc = service("busybox", ["httpd", "-f", "-p", "80", "-h", "/www"], port=80,
                  volumes={str(tmp_path): {"bind": "/www", "mode": "ro"}})
    assert svc.host == "127.0.0.1" and svc.port > 0
    with urllib.request.urlopen(f"http://{svc.address}/", timeout=5) as r:
        assert r.read() == b"hello from the service\n"


def test_ports_and_port(engine_context):
    c = engine_context.containers.create("busybox", ["sleep", "60"], network="bridge",
                                         ports={"80/tcp": None, "81": ("127.0.0.1", 18081)})
    try:
        c.start()
        assert c.port(81) == ("127.0.0.1", 18081)
        host, port = c.port("80/tcp")
        assert host == "0.0.0.0" and port > 0
        assert c.ports["81/tcp"] == [{"HostIp": "127.0.0.1", "HostPort": "18081"}]
        with pytest.raises(engine.NotFound, match="82/tcp"):
            c.port(82)
    finally:
        c.remove(force=True)


def test_networks_names_and_aliases(engine_context):
    nets = engine_context.networks
    nets.create("pynet", labels={"k": "v"})
    try:
        assert nets.inspect("pynet")["Labels"] == {"k": "v"}
        assert "pynet" in [n["Name"] for n in nets.list()]
        web = engine_context.containers.create("busybox", ["sleep", "60"], name="pyweb",
                                               network="pynet", network_aliases=["www"])
        try:
            web.start()
            r = engine_context.run("busybox", ["sh", "-c", "ping -c1 -W2 pyweb >/dev/null && ping -c1 -W2 www >/dev/null && echo ok"],
                                   network="pynet")
            assert r.stdout == b"ok\n"
            with pytest.raises(engine.Busy):
                nets.remove("pynet")
        finally:
            web.remove(force=True)
        nets.remove("pynet")
    finally:
        nets.prune()
