"""Warm, sandboxed kernels for autograding: a fork server and the kernel provisioner that uses it.

Starting a Python kernel and importing pandas, matplotlib and ipywidgets costs most of a submission's grading time.
The fork server is one process, started inside bubblewrap like the ``ipt-sandbox`` kernel (course, exchange,
students' homes, repository and home hidden; no network), that has already imported those libraries and started no
thread or socket. For each submission it forks a child that, before any student code runs:

1. enters its own mount namespace and hides every other submission (an empty tmpfs over the autograded folder,
   with only its own submission folder bound back) and every other kernel's connection file;
2. enters its own process namespace (it cannot see or signal other kernels) with its own /proc and /tmp;
3. drops every capability and sets no-new-privileges, so the student's code cannot undo 1-2;
4. runs an IPython kernel in that process (a fresh process per submission; nothing is shared with the next one
   except the imported, unmodified library code from the fork).

``ForkProvisioner`` is a jupyter_client kernel provisioner: nbgrader's Execute asks for the ``ipt-fork`` kernel and
gets one of these children. The kernel is reached over IPC sockets in a folder of its own.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys
import time
from pathlib import Path

KERNEL_NAME = "ipt-fork"
PRELOAD = ("ipykernel.kernelapp", "IPython", "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "ipywidgets",
           "ipt_lib", "ipt_lib.grading", "ipt_lib.problem_areas", "ipt_lib.deck", "ipt_lib.vignettes",
           "ipt_lib.measures", "ipt_lib.techniques", "ipt_lib.transcripts", "ipt_lib.inventory", "ipt_lib.plots",
           "ipt_lib.exam", "ipt_lib.widgets",
           # what a kernel imports while it starts (about 60 ms of each kernel's start, most of it debugpy)
           "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.debugger",
           "IPython.core.completerlib", "IPython.extensions.storemagic", "sqlite3", "tornado.platform.asyncio",
           "tornado.queues", "tornado.locks", "faulthandler")

_CLONE_NEWNS, _CLONE_NEWPID = 0x00020000, 0x20000000
_MS_BIND, _MS_REC, _MS_PRIVATE, _MS_MOVE, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 4096, 16384, 1 << 18, 8192, 2, 4, 8
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS, _PR_CAPBSET_DROP = 1, 38, 24
_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = lambda v: v.encode() if isinstance(v, str) else v  # noqa: E731
    _check(_c().mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


_MS_REMOUNT, _MS_RDONLY = 32, 1


def _isolate_folders(cwd: str, kernel_dir: str, hide: list[str], keep_readable: tuple[str, ...] = ()) -> None:
    """In this (new) mount namespace: a fresh /tmp, ``hide`` folders emptied, and only ``cwd`` (the submission)
    and ``kernel_dir`` (this kernel's sockets and connection file) bound back where they were."""
    # a private staging area outside /tmp: /mnt where it exists, else a folder on bubblewrap's own /dev
    area = "/mnt" if os.path.isdir("/mnt") else "/dev/.ipt-stage"
    os.makedirs(area, exist_ok=True)
    _mount("tmpfs", area, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=700")
    staged = []
    # the Python environment and the package, where they live under /tmp (a venv in a temporary clone), come
    # back read-only after the fresh /tmp, as in the ipt-sandbox kernel
    readable = [p for p in keep_readable if (p + "/").startswith("/tmp/") and os.path.exists(p)]
    for i, path in enumerate([cwd, kernel_dir] + readable):
        stage = f"{area}/{i}"
        os.makedirs(stage)
        _mount(path, stage, None, _MS_BIND | _MS_REC)
        staged.append((stage, path))
    _mount("tmpfs", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777")
    for path in hide:
        if os.path.isdir(path):  # may already be gone with the old /tmp
            _mount("tmpfs", path, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755")
    for stage, path in staged:
        os.makedirs(path, exist_ok=True)
        _mount(stage, path, None, _MS_MOVE)
        if path in readable:
            _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_REC)
    _mount("tmpfs", area, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755")  # nothing left to see there


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_privileges() -> None:
    libc = _c()
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # errors past the last capability are expected
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _run_kernel(request: dict) -> None:
    """In the forked child: isolate, then become the kernel (never returns)."""
    try:
        _check(_c().unshare(_CLONE_NEWNS | _CLONE_NEWPID), "unshare")
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
        from .sandbox import environment_paths

        _isolate_folders(request["cwd"], request["kernel_dir"], [request["autograded"], request["ipc"]],
                         tuple(environment_paths()))
        pid = os.fork()  # the grandchild is process 1 of the new process namespace
        if pid:
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        _c().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        _drop_privileges()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update({"HOME": request["cwd"], "MPLCONFIGDIR": "/tmp/mpl", "IPYTHONDIR": "/tmp/ipython"})
        os.setsid()
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        # parent_handle=1: a managed kernel (it dies with its parent through PDEATHSIG), so no poller and no
        # "To connect another client" banner on the server's log for every submission.
        # _execute_sleep=0: ipykernel sleeps 0.5 ms after every cell before its reply, a mitigation for output
        # arriving after the reply; nbclient reads a cell's output up to the kernel's idle status, which follows
        # all of it on the same ordered channel, so the sleep only delays each cell (about 1 ms a cell measured,
        # with the thread hand-offs it causes).
        app.initialize(["-f", request["connection_file"], "--HistoryManager.hist_file=:memory:",
                        "--IPKernelApp.parent_handle=1", "--IPythonKernel._execute_sleep=0"])
        app.start()
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - report and die: the grader sees a dead kernel
        import traceback

        sys.stderr.write(f"ipt-fork: the kernel could not start: {type(exc).__name__}: {exc}\n")
        if os.environ.get("IPT_FORK_DEBUG"):
            traceback.print_exc()
        os._exit(70)


def serve(socket_path: str) -> None:
    """The fork server's loop: one JSON request per connection."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.setdefault("MPLCONFIGDIR", "/tmp/mpl")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's notice about frozen modules
    import importlib

    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a missing optional library only costs speed
            pass
    threads = len(os.listdir("/proc/self/task"))
    if threads > 1:  # a library started a thread: forked kernels may then deadlock on a lock it held
        sys.stderr.write(f"ipt-fork: warning: {threads} threads after the imports; kernels are forked anyway\n")
    children: dict[int, int | None] = {}
    spent = {"kernels": 0, "user": 0.0, "system": 0.0}
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(socket_path):
        os.unlink(socket_path)
    server.bind(socket_path)
    server.listen(64)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    # Nobody reads that pipe again, and every kernel prints its connection banner to its inherited fd 1: after about
    # 150 kernels the pipe (64 KiB) would be full and the next kernel would block before it was ready. From here on
    # fd 1 is the server's log, like fd 2.
    os.dup2(2, 1)

    def reap() -> None:
        for pid, code in list(children.items()):
            if code is None:
                try:
                    done, status, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:
                    children[pid] = -1
                    continue
                if done:
                    children[pid] = os.waitstatus_to_exitcode(status)
                    # the kernel's CPU (its start, the student's cells, its exit: wait4 counts the grandchild)
                    spent["kernels"] += 1
                    spent["user"] += usage.ru_utime
                    spent["system"] += usage.ru_stime

    while True:
        conn, _ = server.accept()
        with conn:
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            try:
                request = json.loads(data)
            except ValueError:
                continue
            op = request.get("op")
            reap()
            if op == "launch":
                pid = os.fork()
                if pid == 0:
                    server.close()
                    _run_kernel(request)
                children[pid] = None
                reply = {"pid": pid}
            elif op == "poll":
                reply = {"exit": children.get(request["pid"], -1)}
            elif op == "signal":
                try:
                    os.kill(request["pid"], request["signal"])
                    reply = {"ok": True}
                except ProcessLookupError:
                    reply = {"ok": False}
            elif op == "forget":
                children.pop(request["pid"], None)
                reply = {"ok": True}
            elif op == "stats":
                reply = dict(spent)
            elif op == "stop":
                conn.sendall(b'{"ok": true}\n')
                for pid, code in children.items():
                    if code is None:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                return
            else:
                reply = {"error": f"unknown op {op!r}"}
            conn.sendall(json.dumps(reply).encode() + b"\n")


def request(socket_path: str, message: dict, timeout: float = 30.0) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        conn.sendall(json.dumps(message).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data) if data else {}


# --- starting the server --------------------------------------------------------------------------------------

def server_command(socket_path: str, *, autograded: str, ipc: str, hide: list[str], show: list[str]) -> list[str]:
    """bubblewrap around the fork server: like the ipt-sandbox kernel, but the whole autograded folder is bound
    (each child keeps only its own submission) and the children may set up their own namespaces."""
    from .sandbox import SandboxUnavailable, _env_args, bwrap_path, kernel_environment, unavailable_message

    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(unavailable_message("the warm-kernel grader cannot start"))
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hide:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
    for path in show:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    os.makedirs(autograded, exist_ok=True)
    os.makedirs(ipc, exist_ok=True)
    args += ["--bind", autograded, autograded, "--bind", ipc, ipc,
             "--unshare-user", "--uid", "0", "--gid", "0", "--cap-add", "ALL",
             "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-pid", "--die-with-parent",
             "--new-session"]
    # The server starts with the kernels' allowlist only, so nothing of the grader's environment is inherited.
    args += _env_args({**kernel_environment(home="/tmp"), "OPENBLAS_NUM_THREADS": "1"})
    return args + [sys.executable, "-m", "ipt_lib.course.forkserver", "serve", socket_path]


class ForkServer:
    """A running fork server (context manager)."""

    def __init__(self, course: Path, ipc: Path, hide: list[Path]):
        import subprocess

        from .sandbox import environment_paths

        self.ipc = Path(ipc)
        self.socket = str(self.ipc / "forkserver.sock")
        self.share: Path | None = None  # the JUPYTER_PATH folder with the ipt-fork kernelspec, once installed
        cmd = server_command(self.socket, autograded=str(Path(course) / "autograded"), ipc=str(self.ipc),
                             hide=[str(Path(p).resolve()) for p in hide], show=environment_paths())
        # what the server and its kernels print outside the kernel protocol (a kernel that could not start, a
        # library's warning before the kernel captures its output) goes to a log beside the autograde journal
        log_dir = Path(course) / ".ipt-autograde"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "forkserver.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                         stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"the warm-kernel fork server did not start (see {self.log_path})")

    def stats(self) -> dict:
        """{"kernels": kernels finished so far, "user"/"system": their CPU seconds (start, cells, exit)}."""
        try:
            return request(self.socket, {"op": "stats"}, timeout=5)
        except OSError:
            return {}

    def stop(self) -> None:
        stats = self.stats()
        if stats.get("kernels"):
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(f"ipt-fork: {stats['kernels']} kernels, CPU {stats['user']:.1f} s user + "
                          f"{stats['system']:.1f} s system\n")
        try:
            request(self.socket, {"op": "stop"}, timeout=5)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            self.proc.kill()

    def __enter__(self) -> "ForkServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def install_kernelspec(folder: Path, *, socket_path: str, ipc: Path, autograded: Path) -> Path:
    spec_dir = Path(folder) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],  # not used: provisioner
        "display_name": "Python 3 (IPT warm grading sandbox)",
        "language": "python",
        "interrupt_mode": "message",
        "metadata": {"kernel_provisioner": {"provisioner_name": "ipt-fork-provisioner", "config": {
            "socket_path": socket_path, "ipc": str(ipc), "autograded": str(autograded)}}},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


# --- the provisioner ------------------------------------------------------------------------------------------

try:
    from jupyter_client.provisioning import LocalProvisioner
    from traitlets import DottedObjectName, Type, Unicode
except ImportError:  # pragma: no cover - jupyter_client is a dependency of nbgrader
    LocalProvisioner = object  # type: ignore[misc,assignment]


class ForkProvisioner(LocalProvisioner):  # type: ignore[misc,valid-type]
    """Gets each kernel from the fork server instead of starting a new Python process from scratch."""

    socket_path = Unicode(config=True)
    ipc = Unicode(config=True)
    autograded = Unicode(config=True)

    async def pre_launch(self, **kwargs):
        km = self.parent
        # short: a unix socket path must fit in 107 bytes
        kernel_dir = Path(self.ipc) / f"k{str(self.kernel_id).replace('-', '')[:12]}"
        kernel_dir.mkdir(parents=True, exist_ok=True)
        km.transport = "ipc"
        km.cache_ports = False
        km.ip = str(kernel_dir / "s")
        km.connection_file = str(kernel_dir / "connection.json")
        self._kernel_dir = str(kernel_dir)
        self._cwd = str(Path(kwargs.get("cwd") or os.getcwd()).resolve())
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        from .sandbox import kernel_environment

        env = kernel_environment(kwargs.get("env") or dict(os.environ), home=self._cwd)
        reply = request(self.socket_path, {
            "op": "launch", "connection_file": self.parent.connection_file, "cwd": self._cwd,
            "autograded": self.autograded, "ipc": self.ipc, "kernel_dir": self._kernel_dir, "env": env})
        if "pid" not in reply:
            raise RuntimeError(f"the fork server could not start a kernel: {reply}")
        self.pid = reply["pid"]
        self.process = None
        self._exit = None
        await self._until_listening()
        return self.connection_info

    async def _until_listening(self, timeout: float = 60.0) -> None:
        """Return once the kernel has bound its sockets (or has died).

        A client that connects to an IPC socket before the kernel binds it retries only every 100 ms, and its first
        status message on IOPub is then lost, which costs jupyter_client's ``wait_for_ready`` another 200 ms: about
        0.3 s of every submission's grading, waiting. The socket files appear when the kernel binds them.
        """
        info = self.parent.get_connection_info()
        names = [f"{info['ip']}-{info[key]}" for key in ("shell_port", "iopub_port", "stdin_port", "control_port",
                                                         "hb_port")]
        deadline = time.monotonic() + timeout
        checked = time.monotonic()
        while not all(os.path.exists(name) for name in names):
            now = time.monotonic()
            if now > deadline:
                return  # let jupyter_client's own start-up timeout say what went wrong
            if now - checked > 0.2:
                checked = now
                self._exit = None
                if await self.poll() is not None:
                    return  # it died: jupyter_client reports a dead kernel
            await _sleep(0.002)

    @property
    def has_process(self) -> bool:
        return getattr(self, "pid", None) is not None

    async def poll(self):
        if getattr(self, "pid", None) is None:
            return 0
        if self._exit is None:
            try:
                code = request(self.socket_path, {"op": "poll", "pid": self.pid}, timeout=5).get("exit")
            except OSError:
                code = -1
            self._exit = code
        return self._exit

    async def wait(self):
        for _ in range(200):
            if await self.poll() is not None:
                break
            self._exit = None
            await _sleep(0.05)
        return self._exit

    async def send_signal(self, signum: int) -> None:
        if getattr(self, "pid", None) is not None:
            try:
                request(self.socket_path, {"op": "signal", "pid": self.pid, "signal": int(signum)}, timeout=5)
            except OSError:
                pass

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def cleanup(self, restart: bool = False) -> None:
        if getattr(self, "pid", None) is not None:
            try:
                request(self.socket_path, {"op": "forget", "pid": self.pid}, timeout=5)
            except OSError:
                pass
        import shutil

        shutil.rmtree(getattr(self, "_kernel_dir", ""), ignore_errors=True)
        self.pid = None


# --- the kernel manager and client for warm kernels --------------------------------------------------------

try:
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
except ImportError:  # pragma: no cover
    AsyncKernelClient = AsyncKernelManager = object  # type: ignore[misc,assignment]


class WarmKernelClient(AsyncKernelClient):  # type: ignore[misc,valid-type]
    """jupyter_client's client, with a start-up handshake that ends when the kernel is ready instead of after 0.2 s
    of silence on IOPub.

    jupyter_client's ``wait_for_ready`` waits for the reply to ``kernel_info``, then reads IOPub until nothing has
    arrived for 0.2 s. Here it reads IOPub up to the ``idle`` status that answers the same ``kernel_info`` request:
    IOPub is ordered, so everything the kernel published while starting has then been read, as before, but without
    waiting 0.2 s for each of a class's submissions. If that status is lost (IOPub not yet connected when the
    kernel published it), the request is sent again, as jupyter_client does.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        while True:
            msg_id = self.kernel_info()
            reply = await self._reply_to(msg_id, deadline)
            if reply is not None and await self._idle_after(msg_id):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    async def _reply_to(self, msg_id: str, deadline: float):
        from queue import Empty

        while time.monotonic() < deadline:
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                return None
            if msg["msg_type"] == "kernel_info_reply" and msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def _idle_after(self, msg_id: str) -> bool:
        from queue import Empty

        while True:
            try:
                msg = await self.iopub_channel.get_msg(timeout=0.2)
            except Empty:
                return False
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle" and \
                    msg["parent_header"].get("msg_id") == msg_id:
                return True


class WarmKernelManager(AsyncKernelManager):  # type: ignore[misc,valid-type]
    """The kernel manager for ``ipt-fork`` kernels: the client above, and a kernel that has been asked to shut down
    is checked every 5 ms (jupyter_client checks every 100 ms: a forked kernel exits in a few ms)."""

    client_class = DottedObjectName("ipt_lib.course.forkserver.WarmKernelClient")
    client_factory = Type(WarmKernelClient, klass=AsyncKernelClient, config=True)

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        return await super()._async_finish_shutdown(waittime=waittime, pollinterval=0.005, restart=restart)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
        return 0
    print("usage: python -m ipt_lib.course.forkserver serve SOCKET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
