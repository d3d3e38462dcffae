"""The pytest plugin: the container factory fixture, and its cleanup when a
test fails."""

import engine

pytest_plugins = ["pytester"]


def test_container_fixture(container):
    c = container("busybox", ["sleep", "60"], env={"GREETING": "hello"}, memory="32m", pids_limit=16)
    assert c.status == "running"
    assert c.exec(["sh", "-c", "echo $GREETING"]).stdout == b"hello\n"
    stopped = container("busybox", ["true"], start=False)
    assert stopped.status == "created"


def test_fixture_cleans_up_after_failing_test(pytester, tmp_path, config):
    root = tmp_path / "root"
    pytester.makepyfile(test_inner="""
        def test_fails(container):
            c = container("busybox", ["sleep", "60"])
            assert c.status == "running"
            assert False, "failing on purpose"
    """)
    result = pytester.runpytest_subprocess("-p", "engine.pytest_plugin", "-p", "no:cacheprovider",
                                           f"--engine-root={root}", f"--engine-config={config}")
    result.assert_outcomes(failed=1)
    with engine.Context(root=str(root), config=config) as ctx:
        assert ctx.containers.ids(all=True) == []
