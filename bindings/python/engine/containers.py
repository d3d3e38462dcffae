"""Containers: the one-call ephemeral run and the full lifecycle.

Keyword arguments follow Docker's names and units (docker-py where it has
one): ``memory="64m"``, ``cpus=0.5``, ``pids_limit=64``, ``env={"K": "V"}``,
``volumes={"/host": {"bind": "/data", "mode": "ro"}}``, ``network="none"``,
``user=``, ``working_dir=``, ``hostname=``, ``read_only=``, ``cap_add=``,
``cap_drop=``, ``timeout=`` (seconds). Every value is handed to the library
unchanged: parsing and validation (sizes, capability names, volume specs)
are the library's, so Python, Go and C behave the same.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal as _signal
from dataclasses import dataclass
from typing import (TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Mapping, NamedTuple,
                    Optional, Sequence, Tuple, Union)

from . import capi
from ._errors import (ContainerError, ContainerNotFound, ImageNotFound, NotFound, Timeout,
                      refine_not_found)
from ._units import env_list, str_list

if TYPE_CHECKING:
    from .context import Context

Command = Union[None, str, Sequence[str]]

_WAIT_SLICE = 0.5  # seconds per blocking wait when waiting forever

_STDIO = {
    None: capi.ENGINE_STDIO_DEFAULT,
    "default": capi.ENGINE_STDIO_DEFAULT,
    "inherit": capi.ENGINE_STDIO_INHERIT,
    "null": capi.ENGINE_STDIO_NULL,
    "capture": capi.ENGINE_STDIO_CAPTURE,
    "log": capi.ENGINE_STDIO_LOG,
}


@dataclass(frozen=True)
class RunResult:
    """What a finished container (or exec) left behind."""

    id: str
    """The container ID."""
    exit_code: int
    """Like a shell: the status, or 128+signal."""
    stdout: bytes
    stderr: bytes
    signal: int
    """The terminating signal, 0 when the command exited."""
    oom_killed: bool
    timed_out: bool
    """True when the timeout killed it."""
    duration: float
    """Seconds from start to exit."""

    @property
    def ok(self) -> bool:
        """exit_code == 0."""
        return self.exit_code == 0

    @classmethod
    def _from_c(cls, r: Any) -> "RunResult":
        return cls(id=r.id or "", exit_code=r.exit_code, stdout=r.stdout_bytes(),
                   stderr=r.stderr_bytes(), signal=r.signal, oom_killed=bool(r.oom_killed),
                   timed_out=bool(r.timed_out), duration=r.duration)


class ExecResult(NamedTuple):
    """docker-py's exec_run() result: ``exit_code, output = c.exec_run(...)``."""

    exit_code: int
    output: bytes
    """stdout then stderr, or only what was asked for."""


class WaitResult(int):
    """An exit code that also reads like docker-py's wait() dict:
    ``c.wait() == 0`` and ``c.wait()["StatusCode"] == 0``."""

    def __getitem__(self, key: str) -> Any:
        if key == "StatusCode":
            return int(self)
        if key == "Error":
            return None
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


@dataclass(frozen=True)
class ContainerStats:
    """Resource usage of a running container."""

    memory_usage: int
    """Bytes."""
    memory_limit: int
    """Bytes, 0 when unlimited."""
    cpu_usage_ns: int
    pids: int
    memory_max_usage: int = 0
    """Peak bytes (0 where the kernel keeps none)."""
    memory_inactive_file: int = 0
    """Reclaimable page cache; docker stats shows memory_usage minus this."""
    oom_kills: int = 0
    cpu_user_ns: int = 0
    cpu_system_ns: int = 0
    cpu_periods: int = 0
    """CFS periods elapsed under a CPU quota."""
    cpu_throttled_periods: int = 0
    cpu_throttled_ns: int = 0
    blkio_read_bytes: int = 0
    """Block I/O, all devices (docker stats' BLOCK I/O)."""
    blkio_write_bytes: int = 0
    net_rx_bytes: int = 0
    """The container's interfaces but lo (docker stats' NET I/O)."""
    net_tx_bytes: int = 0
    net_rx_packets: int = 0
    net_tx_packets: int = 0


def _command(command: Command) -> Optional[List[str]]:
    if command is None:
        return None
    if isinstance(command, str):
        return shlex.split(command)  # docker-py splits a string command the same way
    return [os.fspath(c) for c in command]


def _time_ns(value: Any) -> int:
    """ns since the epoch for logs/events filters: None (no limit), a datetime,
    Unix seconds, or a string as Docker takes it (parsed by the library)."""
    import datetime
    import time as _time

    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return int(value.timestamp() * 1e9)
    if isinstance(value, (int, float)):
        return int(value * 1e9)
    return capi.engine_time_parse(str(value), _time.time_ns())


def _signal_number(sig: Union[int, str]) -> int:
    if isinstance(sig, str):
        name = sig.upper()
        if not name.startswith("SIG"):
            name = "SIG" + name
        try:
            return int(getattr(_signal, name))
        except AttributeError:
            raise ValueError(f"unknown signal {sig!r}") from None
    return int(sig)


class Spec:
    """An ``engine_spec`` built from Docker-style keyword arguments.

    Normally built for you by :meth:`Context.run` / :meth:`Containers.create`;
    build one yourself to reuse it for many runs (``ctx.run(spec=...)``).
    """

    _handle: Any = None

    def __init__(self, image: Optional[str] = None, command: Command = None, *,
                 entrypoint: Command = None,
                 env: Union[None, Mapping[str, object], Iterable[str]] = None,
                 env_file: Union[None, str, Iterable[str]] = None,
                 working_dir: Optional[str] = None, user: Optional[str] = None,
                 hostname: Optional[str] = None, name: Optional[str] = None,
                 volumes: Union[None, Mapping[str, Any], Iterable[str]] = None,
                 tmpfs: Union[None, Mapping[str, str], Iterable[str]] = None,
                 files: Optional[Mapping[str, Any]] = None,
                 read_only: bool = False, network: Optional[str] = None,
                 network_mode: Optional[str] = None,
                 memory: Union[None, int, str] = None, mem_limit: Union[None, int, str] = None,
                 cpus: Optional[float] = None, nano_cpus: Optional[int] = None,
                 cpu_shares: Optional[int] = None, cpuset_cpus: Optional[str] = None,
                 pids_limit: Optional[int] = None,
                 cap_add: Optional[Iterable[str]] = None, cap_drop: Optional[Iterable[str]] = None,
                 seccomp: Optional[str] = None, no_new_privileges: Optional[bool] = None,
                 ulimits: Optional[Iterable[Any]] = None, init: bool = False,
                 userns: Optional[Tuple[int, int, int]] = None,
                 stdio: Optional[str] = None, stdin: Any = None, stdout: Any = None,
                 stderr: Any = None, timeout: Optional[float] = None,
                 auto_remove: bool = False, rootfs: Optional[str] = None,
                 ports: Optional[Mapping[Any, Any]] = None, publish_all_ports: bool = False,
                 extra_hosts: Union[None, Mapping[str, str], Iterable[str]] = None,
                 dns: Optional[Iterable[str]] = None, dns_search: Optional[Iterable[str]] = None,
                 dns_opt: Optional[Iterable[str]] = None,
                 network_aliases: Optional[Iterable[str]] = None, ip: Optional[str] = None,
                 environment: Union[None, Mapping[str, object], Iterable[str]] = None,
                 labels: Union[None, Mapping[str, str], Iterable[str]] = None,
                 stop_signal: Optional[str] = None, stop_timeout: Optional[int] = None,
                 tty: bool = False, stdin_open: bool = False,
                 ipc_mode: Optional[str] = None, pid_mode: Optional[str] = None,
                 uts_mode: Optional[str] = None, userns_mode: Optional[str] = None,
                 cgroupns: Optional[str] = None) -> None:
        self.image = image
        self._handle = capi.engine_spec_new()
        try:
            self._fill(**{k: v for k, v in locals().items()
                          if k not in ("self", "image") and not k.startswith("_")})
        except BaseException:
            self.close()
            raise

    def _fill(self, command, entrypoint, env, env_file, working_dir, user, hostname, name,
              volumes, tmpfs, files, read_only, network, network_mode, memory, mem_limit,
              cpus, nano_cpus, cpu_shares, cpuset_cpus, pids_limit, cap_add, cap_drop,
              seccomp, no_new_privileges, ulimits, init, userns, stdio, stdin, stdout,
              stderr, timeout, auto_remove, rootfs, ports, publish_all_ports, extra_hosts,
              dns, dns_search, dns_opt, network_aliases, ip, environment, labels, stop_signal,
              stop_timeout, tty, stdin_open, ipc_mode, pid_mode, uts_mode, userns_mode,
              cgroupns) -> None:
        h = self._handle
        if environment is not None:  # docker-py's name for env
            if env is not None:
                raise TypeError("pass env= or environment=, not both")
            env = environment
        # docker-py's stdout=/stderr= booleans say what to capture (run()),
        # not where the streams go.
        if isinstance(stdout, bool):
            stdout = None
        if isinstance(stderr, bool):
            stderr = None
        if rootfs is not None:
            capi.engine_spec_set_rootfs(h, os.fspath(rootfs))
        elif self.image is not None:
            capi.engine_spec_set_image(h, self.image)
        argv = _command(command)
        if argv is not None:
            capi.engine_spec_set_argv(h, argv)
        ep = _command(entrypoint)
        if ep is not None:
            capi.engine_spec_set_entrypoint(h, ep)
        for item in env_list(env):
            capi.engine_spec_add_env(h, item)
        for path in str_list(env_file, "env_file") or []:
            capi.engine_spec_add_env_file(h, path)
        if working_dir is not None:
            capi.engine_spec_set_working_dir(h, working_dir)
        if user is not None:
            capi.engine_spec_set_user(h, str(user))
        if hostname is not None:
            capi.engine_spec_set_hostname(h, hostname)
        if name is not None:
            capi.engine_spec_set_name(h, name)
        self._volumes(volumes)
        if tmpfs is not None:
            items = tmpfs.items() if isinstance(tmpfs, Mapping) else ((t, None) for t in tmpfs)
            for dst, opts in items:
                capi.engine_spec_add_tmpfs(h, dst, opts or None)
        for path, content in (files or {}).items():
            mode = 0o644
            if isinstance(content, tuple):
                content, mode = content
            if isinstance(content, str):
                content = content.encode()
            capi.engine_spec_add_file(h, path, content, mode)
        if read_only:
            capi.engine_spec_set_read_only(h, 1)
        net = network if network is not None else network_mode
        if net is not None:
            capi.engine_spec_set_network(h, net)
        mem = memory if memory is not None else mem_limit
        if isinstance(mem, str):
            capi.engine_spec_set_memory_str(h, mem)
        elif mem is not None:
            capi.engine_spec_set_memory(h, int(mem))
        if nano_cpus is not None and cpus is None:
            cpus = nano_cpus / 1e9
        if cpus is not None:
            capi.engine_spec_set_cpus(h, float(cpus))
        if cpu_shares is not None:
            capi.engine_spec_set_cpu_shares(h, int(cpu_shares))
        if cpuset_cpus is not None:
            capi.engine_spec_set_cpuset(h, cpuset_cpus)
        if pids_limit is not None:
            capi.engine_spec_set_pids_limit(h, int(pids_limit))
        for cap in str_list(cap_add, "cap_add") or []:
            capi.engine_spec_add_cap(h, cap)
        for cap in str_list(cap_drop, "cap_drop") or []:
            capi.engine_spec_drop_cap(h, cap)
        if seccomp is not None:
            capi.engine_spec_set_seccomp_profile(h, os.fspath(seccomp))
        if no_new_privileges is not None:
            capi.engine_spec_set_no_new_privs(h, int(bool(no_new_privileges)))
        for u in ulimits or []:
            if isinstance(u, Mapping):  # docker-py's {"name": "nofile", "soft": 1024, "hard": 2048}
                soft = u.get("soft", u.get("hard"))
                u = f"{u['name']}={soft}:{u.get('hard', soft)}"
            capi.engine_spec_add_rlimit(h, str(u))
        if init:
            capi.engine_spec_set_init(h, 1)
        if userns is not None:
            capi.engine_spec_set_userns(h, *[int(x) for x in userns])
        if stdin is not None or stdout is not None or stderr is not None:
            capi.engine_spec_set_stdio_fds(h, _fileno(stdin), _fileno(stdout), _fileno(stderr))
        elif stdio is not None:
            try:
                capi.engine_spec_set_stdio(h, _STDIO[stdio])
            except KeyError:
                raise ValueError(f"stdio: {stdio!r} is not one of "
                                 f"{', '.join(k for k in _STDIO if k)}") from None
        if timeout is not None:
            capi.engine_spec_set_timeout(h, float(timeout))
        if auto_remove:
            capi.engine_spec_set_auto_remove(h, 1)
        self._network(ports, publish_all_ports, extra_hosts, dns, dns_search, dns_opt,
                      network_aliases, ip)
        items = labels.items() if isinstance(labels, Mapping) else ((x, None) for x in labels or [])
        for key, value in items:
            capi.engine_spec_add_label(h, key if value is None else f"{key}={value}")
        if stop_signal is not None:
            capi.engine_spec_set_stop_signal(h, str(stop_signal))
        if stop_timeout is not None:
            capi.engine_spec_set_stop_timeout(h, int(stop_timeout))
        if tty:
            capi.engine_spec_set_tty(h, 1)
        if stdin_open:
            capi.engine_spec_set_stdin(h, 1, 0)
        # docker-py's namespace modes: "host", "container:<name>", ...
        for setter, mode in ((capi.engine_spec_set_ipc, ipc_mode),
                             (capi.engine_spec_set_pid, pid_mode),
                             (capi.engine_spec_set_uts, uts_mode),
                             (capi.engine_spec_set_userns_mode, userns_mode),
                             (capi.engine_spec_set_cgroupns, cgroupns)):
            if mode is not None:
                setter(h, mode)

    def _network(self, ports, publish_all_ports, extra_hosts, dns, dns_search, dns_opt,
                 network_aliases, ip) -> None:
        """docker-py's forms: ports={"80/tcp": None | 8080 | ("127.0.0.1", 8080) | [...]}."""
        h = self._handle
        for key, binds in (ports or {}).items():
            key = str(key)
            port, _, proto = key.partition("/")
            suffix = "/" + proto if proto else ""
            for b in binds if isinstance(binds, list) else [binds]:
                if b is None:
                    spec = port
                elif isinstance(b, tuple):
                    spec = f"{b[0]}:{b[1] if len(b) > 1 and b[1] is not None else ''}:{port}"
                else:
                    spec = f"{b}:{port}"
                capi.engine_spec_add_port(h, spec + suffix)
        if publish_all_ports:
            capi.engine_spec_set_publish_all(h, 1)
        hosts = extra_hosts.items() if isinstance(extra_hosts, Mapping) else \
            (tuple(x.split(":", 1)) for x in str_list(extra_hosts, "extra_hosts") or [])
        for name, addr in hosts:
            capi.engine_spec_add_host(h, f"{name}:{addr}")
        for server in str_list(dns, "dns") or []:
            capi.engine_spec_add_dns(h, server)
        for domain in str_list(dns_search, "dns_search") or []:
            capi.engine_spec_add_dns_search(h, domain)
        for opt in str_list(dns_opt, "dns_opt") or []:
            capi.engine_spec_add_dns_option(h, opt)
        for alias in str_list(network_aliases, "network_aliases") or []:
            capi.engine_spec_add_network_alias(h, alias)
        if ip is not None:
            capi.engine_spec_set_ip(h, ip)

    def _volumes(self, volumes: Union[None, Mapping[str, Any], Iterable[str]]) -> None:
        if volumes is None:
            return
        if isinstance(volumes, (str, bytes)):
            raise TypeError("volumes: expected a dict or a list of 'SRC:DST[:ro]' strings")
        if not isinstance(volumes, Mapping):
            for v in volumes:  # Docker's -v strings
                capi.engine_spec_add_volume(self._handle, v)
            return
        for src, bind in volumes.items():  # docker-py's {"/host": {"bind": "/data", "mode": "ro"}}
            if isinstance(bind, str):
                dst, mode = bind, "rw"
            else:
                dst, mode = bind["bind"], bind.get("mode", "rw")
            if mode not in ("ro", "rw"):
                raise ValueError(f"volumes: mode of {src!r} must be 'ro' or 'rw', not {mode!r}")
            capi.engine_spec_add_mount(self._handle, os.fspath(src), dst, int(mode == "ro"))

    @property
    def handle(self) -> Any:
        """The low-level ``engine_spec *``."""
        if self._handle is None:
            raise ValueError("spec is closed")
        return self._handle

    def close(self) -> None:
        """Free the spec (idempotent)."""
        h, self._handle = self._handle, None
        if h is not None:
            capi.engine_spec_free(h)

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> "Spec":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _fileno(f: Any) -> int:
    if f is None:
        return -1
    return f if isinstance(f, int) else f.fileno()


def _refine_missing_image(ctx: "Context", spec: Spec, e: NotFound) -> None:
    """A NotFound from run/create is an ImageNotFound when the image is missing."""
    if type(e) is NotFound and spec.image is not None and not ctx.images.exists(spec.image):
        raise ImageNotFound(e.code, e.errno, e.message).with_traceback(e.__traceback__) from None


def run(ctx: "Context", image: Optional[str], command: Command = None, *,
        spec: Optional[Spec] = None, check: bool = False, **kwargs: Any) -> RunResult:
    """See :meth:`engine.Context.run`."""
    res = _run(ctx, image, command, spec=spec, **kwargs)
    if check and res.exit_code != 0:
        raise ContainerError(res.id, res.exit_code, command, image, res.stderr)
    return res


def _run(ctx: "Context", image: Optional[str], command: Command = None, *,
         spec: Optional[Spec] = None, **kwargs: Any) -> RunResult:
    own = spec is None
    if own:
        spec = Spec(image, command, **kwargs)
    elif image is not None or command is not None or kwargs:
        raise TypeError("run: pass either spec= or image/command/keywords, not both")
    try:
        try:
            return RunResult._from_c(capi.engine_run(ctx.handle, spec.handle))
        except NotFound as e:
            _refine_missing_image(ctx, spec, e)
            raise
    finally:
        if own:
            spec.close()


class Container:
    """A container handle. As a context manager it removes the container on exit.

    Obtained from :meth:`Containers.create` or :meth:`Containers.get`.
    """

    def __init__(self, ctx: "Context", handle: Any) -> None:
        self._ctx = ctx
        self._handle = handle
        self.id: str = capi.engine_container_id(handle)
        """The full container ID."""
        self.name: str = capi.engine_container_name(handle)

    @property
    def handle(self) -> Any:
        """The low-level ``engine_container *`` (for engine.capi calls)."""
        if self._handle is None:
            raise ValueError(f"container {self.short_id}: handle is closed")
        self._ctx.handle  # the handle refers to its context: raises once that is closed
        return self._handle

    @property
    def short_id(self) -> str:
        """The first 12 hex digits of the ID, as Docker shows it."""
        return self.id[:12]

    @property
    def status(self) -> str:
        """"created", "running", "paused" or "exited" (read now)."""
        return capi.engine_container_status(self.handle)

    def start(self) -> None:
        """Start it, detached (a monitor process keeps its exit status and logs)."""
        capi.engine_container_start(self.handle)

    def wait(self, timeout: Optional[float] = None) -> WaitResult:
        """Wait for it to exit; returns the exit code (which also reads as
        docker-py's ``{"StatusCode": n}``). Raises Timeout at the deadline.

        Without a timeout it waits in slices, so that Ctrl-C (KeyboardInterrupt)
        still reaches the main thread.
        """
        if timeout is not None:
            return WaitResult(capi.engine_container_wait(self.handle, float(timeout)))
        while True:
            try:
                return WaitResult(capi.engine_container_wait(self.handle, _WAIT_SLICE))
            except Timeout:
                pass

    def kill(self, signal: Union[int, str] = "SIGKILL") -> None:
        """Send a signal (number or name) to its main process."""
        capi.engine_container_kill(self.handle, _signal_number(signal))

    def stop(self, timeout: Optional[int] = None) -> None:
        """SIGTERM (the image's StopSignal), then SIGKILL after ``timeout`` s (default 10)."""
        capi.engine_container_stop(self.handle, -1 if timeout is None else int(timeout))

    def pause(self) -> None:
        """Freeze every process of the running container."""
        capi.engine_container_pause(self.handle)

    def resume(self) -> None:
        """Thaw a paused container."""
        capi.engine_container_resume(self.handle)

    unpause = resume

    def exec(self, command: Command, *, env: Union[None, Mapping[str, object], Iterable[str]] = None,
             user: Optional[str] = None, working_dir: Optional[str] = None,
             stdio: Optional[str] = None, timeout: Optional[float] = None) -> RunResult:
        """Run a process in the running container and wait for it (``docker exec``)."""
        opts = capi.engine_exec_options()
        capi.engine_exec_options_init(opts, capi.ENGINE_EXEC_OPTIONS_VERSION)
        opts.set_argv(_command(command) or [])
        opts.set_env(env_list(env))
        opts.user = None if user is None else str(user)
        opts.working_dir = working_dir
        if stdio is not None:
            try:
                opts.stdio = _STDIO[stdio]
            except KeyError:
                raise ValueError(f"stdio: {stdio!r} is not one of "
                                 f"{', '.join(k for k in _STDIO if k)}") from None
        if timeout is not None:
            opts.timeout = float(timeout)
        return RunResult._from_c(capi.engine_container_exec(self.handle, opts))

    def exec_run(self, cmd: Command, stdout: bool = True, stderr: bool = True, *,
                 environment: Union[None, Mapping[str, object], Iterable[str]] = None,
                 workdir: Optional[str] = None, user: Optional[str] = None) -> ExecResult:
        """docker-py's exec_run: ``exit_code, output`` of a process run in the
        container, output being stdout then stderr (what ``stdout``/``stderr`` ask for)."""
        r = self.exec(cmd, env=environment, user=user, working_dir=workdir)
        return ExecResult(r.exit_code, (r.stdout if stdout else b"") + (r.stderr if stderr else b""))

    def stats(self) -> ContainerStats:
        """Current memory, CPU, block and network I/O and task usage (raises
        Busy when not running)."""
        s = capi.engine_container_stats_get(self.handle)
        return ContainerStats(**{f.name: getattr(s, f.name) for f in dataclasses.fields(ContainerStats)})

    def inspect(self) -> Dict[str, Any]:
        """Docker-like inspect data as a dict."""
        return json.loads(capi.engine_container_inspect(self.handle))

    @property
    def ports(self) -> Dict[str, List[Dict[str, str]]]:
        """Published ports, docker-py's form: {"80/tcp": [{"HostIp": ..., "HostPort": ...}]}."""
        return json.loads(capi.engine_container_ports(self.handle))

    def port(self, port: Union[int, str]) -> Tuple[str, int]:
        """Where container port ``port`` (80, "80/tcp", "53/udp") is published: (host IP, port).

        Raises NotFound when it is not published or the container does not run."""
        where = capi.engine_container_port(self.handle, str(port))[0]
        host, _, num = where.rpartition(":")
        return host, int(num)

    def log_path(self, stream: int = 1) -> Optional[str]:
        """The container's log file (the engine's record format), None when it has none."""
        return capi.engine_container_log_path(self.handle, stream)

    def logs(self, stdout: bool = True, stderr: bool = True, *, stream: bool = False,
             follow: bool = False, timestamps: bool = False, tail: Union[int, str] = "all",
             since: Any = None, until: Any = None) -> Union[bytes, Iterator[bytes]]:
        """What the container wrote, in the order it wrote it (like ``docker logs``).

        ``tail``: the last N lines or "all"; ``since``/``until``: a datetime,
        Unix seconds, or a string as Docker takes it ("10m", RFC 3339). As in
        docker-py, ``stream=True`` gives an iterator of chunks instead of one
        bytes value, and ``follow=True`` keeps it going until the container stops.
        """
        entries = self.log_entries(stdout, stderr, follow=follow,
                                   timestamps=timestamps, tail=tail, since=since, until=until)
        if stream:
            return (data for _, data in entries)
        return b"".join(data for _, data in entries)

    def attach(self, stdout: bool = True, stderr: bool = True, *, stream: bool = False,
               logs: bool = False) -> Union[bytes, Iterator[bytes]]:
        """The container's output as it runs (docker-py's ``attach``).

        A running container is attached at once; a created or stopped one at
        its next start (by any process), so attach first and then start to
        miss nothing. ``logs=True`` replays what it wrote before. Without
        ``stream`` it returns everything once the container exits; with
        ``stream=True`` an iterator of chunks that ends when it exits.
        Leaving the iterator early detaches (the container keeps running).
        """
        opts = capi.engine_attach_options()
        capi.engine_attach_options_init(opts, capi.ENGINE_ATTACH_OPTIONS_VERSION)
        opts.attach_stdout = int(stdout)
        opts.attach_stderr = int(stderr)
        opts.logs = int(logs)
        opts.stream = 1
        att = capi.engine_container_attach(self.handle, opts)

        def chunks() -> Iterator[bytes]:
            try:
                while True:
                    try:
                        # In slices, so that Ctrl-C still reaches the main thread.
                        data, _ = capi.engine_attach_read(att, 65536, _WAIT_SLICE)
                    except Timeout:
                        continue
                    if not data:
                        return
                    yield data
            finally:
                capi.engine_attach_free(att)

        if stream:
            return chunks()
        return b"".join(chunks())

    def log_entries(self, stdout: bool = True, stderr: bool = True, *, follow: bool = False,
                    timestamps: bool = False, tail: Union[int, str] = "all", since: Any = None,
                    until: Any = None) -> Iterator[Tuple[int, bytes]]:
        """(stream, bytes) pairs, stream 1 for stdout and 2 for stderr; with
        ``follow`` it keeps going until the container stops."""
        opts = capi.engine_logs_options()
        capi.engine_logs_options_init(opts, capi.ENGINE_LOGS_OPTIONS_VERSION)
        opts.show_stdout = int(stdout)
        opts.show_stderr = int(stderr)
        opts.follow = int(follow)
        opts.timestamps = int(timestamps)
        opts.tail = -1 if tail in (None, "all") else int(tail)
        opts.since = _time_ns(since)
        opts.until = _time_ns(until)
        reader = capi.engine_container_logs(self.handle, opts)
        try:
            while True:
                try:
                    # In slices, so that Ctrl-C still reaches the main thread.
                    if not capi.engine_logs_next(reader, _WAIT_SLICE):
                        return
                except Timeout:
                    continue
                e = capi.engine_logs_entry(reader)
                yield e.stream, e.data_bytes()
        finally:
            capi.engine_logs_free(reader)

    def remove(self, force: bool = False, v: bool = False) -> None:
        """Remove it (``force`` kills it first; ``v`` its anonymous volumes too),
        then release the handle."""
        if v:
            capi.engine_container_remove_volumes(self.handle, int(force))
        else:
            capi.engine_container_remove(self.handle, int(force))
        self.close()

    def close(self) -> None:
        """Release the handle (the container is unaffected). Idempotent."""
        h, self._handle = self._handle, None
        if h is not None:
            capi.engine_container_free(h)

    def __enter__(self) -> "Container":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._handle is not None:
            try:
                self.remove(force=True)
            except NotFound:
                self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self) -> str:
        return f"<engine.Container {self.short_id} {self.name!r}>"


class Containers:
    """Container operations of a :class:`~engine.Context` (``ctx.containers``)."""

    def __init__(self, ctx: "Context") -> None:
        self._ctx = ctx

    def create(self, image: Optional[str], command: Command = None, *,
               spec: Optional[Spec] = None, **kwargs: Any) -> Container:
        """Create a container (not started); keywords as for :meth:`Context.run`."""
        own = spec is None
        if own:
            spec = Spec(image, command, **kwargs)
        try:
            try:
                h = capi.engine_container_create(self._ctx.handle, spec.handle)
            except NotFound as e:
                _refine_missing_image(self._ctx, spec, e)
                raise
        finally:
            if own:
                spec.close()
        return Container(self._ctx, h)

    def run(self, image: Optional[str], command: Command = None, *, detach: bool = False,
            remove: bool = False, stdout: bool = True, stderr: bool = False,
            **kwargs: Any) -> Union[bytes, Container]:
        """docker-py's ``containers.run``: without ``detach`` the container's
        output (stdout, and stderr with ``stderr=True``) as bytes, raising
        ContainerError on a non-zero exit; with ``detach=True`` a started
        Container (``remove=True``: removed when it exits). Keywords as docker-py
        (environment, volumes, ports, name, labels, mem_limit, working_dir,
        user, entrypoint, network, ...) or :meth:`engine.Context.run`."""
        if not detach:
            # A run to completion leaves nothing behind either way.
            res = _run(self._ctx, image, command, **kwargs)
            if res.exit_code != 0:
                raise ContainerError(res.id, res.exit_code, command, image, res.stderr)
            return (res.stdout if stdout else b"") + (res.stderr if stderr else b"")
        c = self.create(image, command, auto_remove=remove or kwargs.pop("auto_remove", False),
                        **kwargs)
        try:
            c.start()
        except BaseException:
            c.remove(force=True)
            raise
        return c

    def get(self, id_or_name: str) -> Container:
        """Open a container by ID, unique ID prefix or name; raises ContainerNotFound."""
        with refine_not_found(ContainerNotFound):
            h = capi.engine_container_open(self._ctx.handle, id_or_name)
        return Container(self._ctx, h)

    def list(self, all: bool = False) -> List[Dict[str, Any]]:
        """Containers as Docker's list entries (Id, Names, Image, State...), newest first."""
        return json.loads(capi.engine_container_list(self._ctx.handle, int(all)))

    def ids(self, all: bool = False) -> List[str]:
        """IDs of the running (or ``all``) containers, newest first."""
        return capi.engine_container_list_ids(self._ctx.handle, int(all))
