"""Prepared sandboxes through the binding and the pytest plugin."""

import pytest

import engine

pytest_plugins = ["pytester"]


def test_pool_runs_each_command_in_a_fresh_sandbox(engine_context):
    with engine_context.pool("busybox", ["sh", "-c", "echo $X"], env={"X": "a"}, memory="64m",
                             size=2) as pool:
        assert pool.run().stdout == b"a\n"
        ids = set()
        for _ in range(4):
            res = pool.run(["sh", "-c", "test ! -e /tmp/m && touch /tmp/m && echo $X"], env={"X": "b"})
            assert res.exit_code == 0 and res.stdout == b"b\n"
            assert res.id not in ids
            ids.add(res.id)
        assert pool.run("sh -c 'exit 4'").exit_code == 4
        with pytest.raises(engine.NotFound):
            pool.run(["no-such-command"])
    with pytest.raises(engine.InvalidArgument):
        pool.run()


def test_pool_errors(engine_context):
    with pytest.raises(engine.ImageNotFound):
        engine_context.pool("no-such-image:latest")
    with pytest.raises(engine.InvalidArgument):
        engine_context.pool("busybox", size=65)


def test_closing_the_context_closes_its_pools(tmp_path, config):
    ctx = engine.Context(root=str(tmp_path / "root"), config=config)
    ctx.images.create_default()
    pool = ctx.pool("busybox", ["true"], size=2)
    assert pool.run().ok
    ctx.close()
    with pytest.raises(engine.InvalidArgument):
        pool.run()
    pool.close()


def test_engine_pool_fixture(pytester, tmp_path, config):
    pytester.makepyfile(test_inner="""
        def test_runs(engine_pool):
            pool = engine_pool("busybox", memory="32m")
            assert pool.run(["echo", "hi"]).stdout == b"hi\\n"
            assert pool.run(["sh", "-c", "echo $Y"], env={"Y": "z"}).stdout == b"z\\n"
    """)
    result = pytester.runpytest_subprocess("-p", "engine.pytest_plugin", "-p", "no:cacheprovider",
                                           f"--engine-root={tmp_path / 'root'}", f"--engine-config={config}",
                                           "--engine-pool-size=1")
    result.assert_outcomes(passed=1)
