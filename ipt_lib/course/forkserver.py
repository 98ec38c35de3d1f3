"""The fork server: one sandboxed process that has imported the scientific libraries and forks a kernel for each
submission.

Starting a Python kernel and importing pandas, matplotlib and ipywidgets costs most of a submission's grading time.
The fork server is started inside bubblewrap like the ``ipt-sandbox`` kernel (course, exchange, students' homes,
repository and home hidden; no network; the same argument builder, ``sandbox.bwrap_command``), imports the kernel's
own modules and the libraries the graded assignments' notebooks import (``preload_for``), and starts no thread or
socket. For each submission it forks a child that, before any student code runs:

1. enters its own mount namespace and hides every other submission (an empty tmpfs over the autograded folder,
   with only its own submission folder bound back) and every other kernel's connection file;
2. enters its own process namespace (it cannot see or signal other kernels) with its own /proc and /tmp;
3. drops every capability and sets no-new-privileges, so the student's code cannot undo 1-2;
4. runs an IPython kernel in that process (a fresh process per submission; nothing is shared with the next one
   except the imported, unmodified library code from the fork).

Steps 1-3 are ipt_lib/course/namespaces.py; how nbgrader's Execute gets these kernels (the ``ipt-fork`` kernelspec
and its provisioner) is ipt_lib/course/warm_kernels.py. The server speaks one JSON line per connection on a unix
socket: ``launch``, ``poll``, ``signal``, ``kill`` (answered once the kernel and every process of its namespace are
gone), ``forget``, ``stats``, ``stop``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "ipt-fork"  # the kernelspec of the warm kernels (ipt_lib/course/warm_kernels.py is its provisioner)
KERNEL_SPEEDUPS_ENV = "IPT_KERNEL_SPEEDUPS"  # "0": the kernels run ipykernel's code unchanged (kernel_speedups.py)
# What every kernel imports while it starts, runs cells and formats a traceback: the server always imports these.
KERNEL_PRELOAD = ("ipykernel.kernelapp", "IPython", "ipt_lib",
                  # what a kernel imports while it starts (most of it for debugpy)
                  "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.debugger",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "sqlite3", "tornado.platform.asyncio",
                  "tornado.queues", "tornado.locks", "faulthandler",
                  # what every kernel imported while it ran (measured with benchmarks/profile_warm.py: 3-8 ms per
                  # kernel), and what IPython imports to format a kernel's first traceback (about 30 ms in each
                  # kernel that raises)
                  "IPython.core.oinspect", "IPython.core.logger", "IPython.utils.wildcard", "stack_data", "executing",
                  "pure_eval", "asttokens", "pygments.formatters", "pygments.formatters.terminal256",
                  "pygments.lexers.python", "pygments.styles.default", "zmq.utils.garbage")
# The course's libraries: with the assignments being graded known, the server imports those their notebooks import
# (preload_for); otherwise all of these.
LIBRARY_PRELOAD = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "ipywidgets", "ipt_lib.grading",
                   "ipt_lib.problem_areas", "ipt_lib.deck", "ipt_lib.vignettes", "ipt_lib.measures",
                   "ipt_lib.techniques", "ipt_lib.transcripts", "ipt_lib.inventory", "ipt_lib.plots", "ipt_lib.exam",
                   "ipt_lib.corpus", "ipt_lib.widgets", "ipt_lib.widgets.inventory")
# What a kernel imports once it uses a library (measured: every kernel of assignment 3 imported these): preloaded
# with the library. Never matplotlib_inline: its import is what hooks the inline backend into the kernel's shell.
COMPANIONS = {"matplotlib": ("IPython.core.pylabtools", "matplotlib.backends.backend_agg", "PIL.features",
                             "PIL.BmpImagePlugin", "PIL.GifImagePlugin", "PIL.JpegImagePlugin", "PIL.PpmImagePlugin"),
              "pandas": ("pandas.io.formats.html", "pandas.io.formats.string")}
PRELOAD = KERNEL_PRELOAD + LIBRARY_PRELOAD + tuple(name for names in COMPANIONS.values() for name in names)
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def preload_for(notebooks) -> tuple[str, ...] | None:
    """What the fork server should import for grading these notebooks (the instructor's source versions, never a
    student's): :data:`KERNEL_PRELOAD` and every module their code cells import, or None (import everything,
    :data:`PRELOAD`) when there are none or one cannot be read.

    Each fork copies the server's page tables and each kernel walks its modules, so a server that has imported
    pandas and matplotlib for an assignment that uses neither makes every kernel slower, and the run starts later
    (measured for assignment 1: the server's memory 128 -> 52 MiB, ready 0.98 -> 0.31 s, each fork in the server
    4.3-5.2 -> 2.2-2.6 ms and the kernel's own 5.9-6.9 -> 3.6-4.3 ms). A module a
    student imports that is not here is imported by that student's kernel, as in any kernel."""
    import ast

    names: list[str] = []
    trees = []
    notebooks = list(notebooks)
    if not notebooks:
        return None
    for path in notebooks:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError, AttributeError):
            return None
        for cell in cells if isinstance(cells, list) else []:
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            # IPython's magics and shell escapes are not Python
            lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
            try:
                trees.append(ast.parse("\n".join(lines)))
            except (SyntaxError, ValueError):
                continue
    modules: dict[str, str] = {}  # the names the cells give imported modules ("np" for numpy)
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names.append(alias.name)
                    if alias.asname:
                        modules[alias.asname] = alias.name
                    else:
                        modules[alias.name.split(".")[0]] = alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                # ``from package import module``: the module too, if it is one
                names.extend(f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*")
    for tree in trees:  # ``ipt_lib.load_deck(...)``: what a package imports lazily for that attribute
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                names.append(f"{modules[node.value.id]}.{node.attr}")
    chosen = list(KERNEL_PRELOAD)
    for name in names:
        if name.startswith("matplotlib_inline"):
            continue
        for module in (name, *COMPANIONS.get(name.split(".")[0], ())):
            if module not in chosen and _MODULE_NAME.fullmatch(module):
                chosen.append(module)
    return tuple(chosen)


def _run_kernel(request: dict) -> None:
    """In the forked child: isolate, then become the kernel (never returns)."""
    try:
        from . import namespaces
        from .sandbox import environment_paths

        namespaces.enter_new_namespaces()
        namespaces.isolate_folders(request["cwd"], request["kernel_dir"], [request["autograded"], request["ipc"]],
                                   tuple(environment_paths()))
        # SIGTERM (the server's ``kill``) makes this process SIGKILL the kernel and wait for it: when process 1 of a
        # namespace exits, Linux kills every other process in it and its exit is reported only once they are all
        # gone, so when this process has exited nothing of the student's code is left running. Blocked until the
        # handler is in place.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        pid = os.fork()  # the grandchild is process 1 of the new process namespace
        if pid:
            def stop(_signum, _frame):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            signal.signal(signal.SIGTERM, stop)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        namespaces.die_with_parent()
        namespaces.mount_proc()
        namespaces.drop_privileges()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ.update({"HOME": request["cwd"], "MPLCONFIGDIR": "/tmp/mpl", "IPYTHONDIR": "/tmp/ipython"})
        os.setsid()
        from ipykernel.kernelapp import IPKernelApp
        from traitlets.config import Config

        # The kernel's settings, as the command line ``-f FILE --HistoryManager.hist_file=:memory: ...`` would give
        # them (the configuration passed to the app is kept above its config files, as command-line settings are),
        # without traitlets' command-line parser (about 5 ms per kernel; kernel_speedups skips it for an empty one).
        # parent_handle=1: a managed kernel (it dies with its parent through PDEATHSIG), so no poller and no
        # "To connect another client" banner on the server's log for every submission.
        # _execute_sleep=0: ipykernel sleeps 0.5 ms after every cell before its reply, a mitigation for output
        # arriving after the reply; nbclient reads a cell's output up to the kernel's idle status, which follows
        # all of it on the same ordered channel, so the sleep (and the thread hand-offs it causes) only delays
        # each cell.
        config = Config()
        config.IPKernelApp.connection_file = request["connection_file"]
        config.IPKernelApp.parent_handle = 1
        config.HistoryManager.hist_file = ":memory:"
        config.IPythonKernel._execute_sleep = 0
        app = IPKernelApp.instance(config=config)
        app.initialize([])
        app.start()
        os._exit(0)
    except BaseException as exc:  # noqa: BLE001 - report and die: the grader sees a dead kernel
        import traceback

        sys.stderr.write(f"ipt-fork: the kernel could not start: {type(exc).__name__}: {exc}\n")
        if os.environ.get("IPT_FORK_DEBUG"):
            traceback.print_exc()
        os._exit(70)


def _read_line(conn: socket.socket) -> bytes:
    """One protocol message: bytes up to a newline, or whatever came before the other end closed."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class _Children:
    """The kernels forked so far: their exit codes once reaped, and the CPU the finished ones spent."""

    def __init__(self) -> None:
        self.exits: dict[int, int | None] = {}
        self.spent = {"kernels": 0, "user": 0.0, "system": 0.0}

    def reap(self) -> None:
        for pid, code in list(self.exits.items()):
            if code is None:
                try:
                    done, status, usage = os.wait4(pid, os.WNOHANG)
                except ChildProcessError:
                    self.exits[pid] = -1
                    continue
                if done:
                    self.exits[pid] = os.waitstatus_to_exitcode(status)
                    # the kernel's CPU (its start, the student's cells, its exit: wait4 counts the grandchild)
                    self.spent["kernels"] += 1
                    self.spent["user"] += usage.ru_utime
                    self.spent["system"] += usage.ru_stime

    def kill_all(self) -> None:
        for pid, code in self.exits.items():
            if code is None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _fill_caches() -> None:
    """Caches every kernel would otherwise fill for itself, filled once in the server (the kernels inherit them).

    IPython formats a traceback (any student code that raises, and the course's failed tests do) with
    ``inspect.getmodule``, whose first call in a process walks every module loaded (about 1,200 here: 38 ms of CPU;
    the next call 2 ms). It is a cache of which file is which module, kept up to date by ``inspect`` itself when
    modules are added, so a kernel sees the same answers as without it."""
    import inspect

    try:
        inspect.getmodule(compile("", "<ipt-fork warm-up>", "exec"), "/nonexistent/ipt-fork-warm-up.py")
    except Exception:  # noqa: BLE001 - only speed is at stake
        pass


def _preload(names: tuple[str, ...] = PRELOAD) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    os.environ.setdefault("MPLCONFIGDIR", "/tmp/mpl")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # debugpy's notice about frozen modules
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            # ``from package import name`` where name is no module: the attribute (a package that imports its
            # submodules lazily, as ipt_lib does, imports the one that holds it)
            parent, _, attribute = name.rpartition(".")
            try:
                if parent:
                    getattr(importlib.import_module(parent), attribute)
            except Exception:  # noqa: BLE001 - only speed is at stake
                pass
        except Exception:  # noqa: BLE001 - a library that fails to import only costs speed
            pass
    _fill_caches()
    if os.environ.get(KERNEL_SPEEDUPS_ENV) != "0":
        from . import kernel_speedups

        kernel_speedups.apply()
    threads = len(os.listdir("/proc/self/task"))
    if threads > 1:  # a library started a thread: forked kernels may then deadlock on a lock it held
        sys.stderr.write(f"ipt-fork: warning: {threads} threads after the imports; kernels are forked anyway\n")


KILL_GRACE = 5.0  # seconds a kernel's namespace gets to empty after the ``kill`` op's SIGTERM, before SIGKILL


class _Killing:
    """Kernels being killed (the ``kill`` op): the connections that wait for each one to be reaped, and what tells
    the server that it has exited (a pidfd, readable once it has; without pidfds, a check every 2 ms)."""

    def __init__(self, selector) -> None:
        import time

        self.selector = selector
        self.waiting: dict[int, list] = {}  # pid -> [pidfd or None, deadline, connections]
        self._clock = time.monotonic

    def start(self, pid: int, conn: socket.socket) -> None:
        if pid in self.waiting:
            self.waiting[pid][2].append(conn)
            return
        pidfd = None
        try:
            pidfd = os.pidfd_open(pid)
            self.selector.register(pidfd, 1, pid)  # 1: EVENT_READ
        except (AttributeError, OSError):
            pidfd = None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.waiting[pid] = [pidfd, self._clock() + KILL_GRACE, [conn]]

    def timeout(self) -> float | None:
        if not self.waiting:
            return None
        return 0.002 if any(w[0] is None for w in self.waiting.values()) else 0.5

    def finish(self, children: "_Children") -> None:
        """Answer for every kernel that has been reaped; SIGKILL those past their grace."""
        if not self.waiting:
            return
        children.reap()
        now = self._clock()
        for pid, (pidfd, deadline, conns) in list(self.waiting.items()):
            code = children.exits.get(pid, -1)
            if code is None:
                if now > deadline:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                continue
            if pidfd is not None:
                self.selector.unregister(pidfd)
                os.close(pidfd)
            del self.waiting[pid]
            children.exits.pop(pid, None)  # answered: forgotten, like the ``forget`` op
            for conn in conns:
                try:
                    conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
                except OSError:
                    pass
                conn.close()

    def fds(self) -> list[int]:
        """Every descriptor a forked kernel must not inherit (the pidfds, the waiting connections)."""
        out = []
        for pidfd, _deadline, conns in self.waiting.values():
            if pidfd is not None:
                out.append(pidfd)
            out.extend(conn.fileno() for conn in conns)
        return out


def serve(socket_path: str, preload: tuple[str, ...] = PRELOAD) -> None:
    """The fork server's loop: one JSON request per connection, answered at once except ``kill``."""
    import selectors

    _preload(preload)
    children = _Children()
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
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, None)
    killing = _Killing(selector)
    while True:
        for key, _ in selector.select(killing.timeout()):
            if key.data is not None:
                continue  # a pidfd: a kernel being killed has exited (answered below)
            conn, _ = server.accept()
            try:
                request = json.loads(_read_line(conn))
            except (ValueError, OSError):
                conn.close()
                continue
            op = request.get("op")
            children.reap()
            if op == "launch":
                pid = os.fork()
                if pid == 0:
                    # the kernel keeps none of the server's descriptors: no other worker's connection, no pidfd
                    for fd in killing.fds():
                        os.close(fd)
                    selector.close()
                    server.close()
                    conn.close()
                    _run_kernel(request)
                children.exits[pid] = None
                reply = {"pid": pid}
            elif op == "kill":
                pid = request["pid"]
                if children.exits.get(pid, -1) is None:
                    killing.start(pid, conn)  # answered once reaped
                    continue
                reply = {"exit": children.exits.pop(pid, -1)}
            elif op == "poll":
                reply = {"exit": children.exits.get(request["pid"], -1)}
            elif op == "signal":
                try:
                    os.kill(request["pid"], request["signal"])
                    reply = {"ok": True}
                except ProcessLookupError:
                    reply = {"ok": False}
            elif op == "forget":
                children.exits.pop(request["pid"], None)
                reply = {"ok": True}
            elif op == "stats":
                reply = dict(children.spent)
            elif op == "stop":
                conn.sendall(b'{"ok": true}\n')
                conn.close()
                children.kill_all()
                return
            else:
                reply = {"error": f"unknown op {op!r}"}
            try:
                conn.sendall(json.dumps(reply).encode() + b"\n")
            except OSError:
                pass
            conn.close()
        killing.finish(children)


def request(socket_path: str, message: dict, timeout: float = 30.0) -> dict:
    """Send one request to the fork server at ``socket_path`` and return its reply ({} if it closed without one)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        conn.sendall(json.dumps(message).encode() + b"\n")
        data = _read_line(conn)
    return json.loads(data) if data else {}


def server_command(socket_path: str, *, autograded: str, ipc: str, hide: list[str], show: list[str],
                   preload: tuple[str, ...] | None = None) -> list[str]:
    """bubblewrap around the fork server: like the ipt-sandbox kernel, but the whole autograded folder is bound
    (each child keeps only its own submission) and the children may set up their own namespaces. ``preload``: the
    modules the server imports (:func:`preload_for`; None: :data:`PRELOAD`)."""
    from .sandbox import bwrap_command, kernel_environment

    # The server starts with the kernels' allowlist only, so nothing of the grader's environment is inherited.
    env = {**kernel_environment(home="/tmp"), "OPENBLAS_NUM_THREADS": "1"}
    if os.environ.get(KERNEL_SPEEDUPS_ENV) == "0":  # for the benchmarks' comparisons; the kernels do not see it
        env[KERNEL_SPEEDUPS_ENV] = "0"
    server = [sys.executable, "-m", "ipt_lib.course.forkserver", "serve", socket_path]
    if preload is not None:
        names = [name for name in preload if _MODULE_NAME.fullmatch(name)]
        server[-1:-1] = ["--preload", ",".join(names)]
    args = bwrap_command(server,
                         hide=hide, show=show, writable=[autograded, ipc], env=env, own_namespaces=True,
                         refusal="the warm-kernel grader cannot start")
    os.makedirs(autograded, exist_ok=True)
    os.makedirs(ipc, exist_ok=True)
    return args


class ForkServer:
    """A running fork server (context manager). With ``wait=False`` the constructor returns as soon as the server
    has been started: :meth:`wait_ready` then waits for its imports (the caller can start its workers meanwhile)."""

    def __init__(self, course: Path, ipc: Path, hide: list[Path], wait: bool = True,
                 preload: tuple[str, ...] | None = None):
        import subprocess

        from .sandbox import environment_paths

        self.ipc = Path(ipc)
        self.socket = str(self.ipc / "forkserver.sock")
        self.share: Path | None = None  # the JUPYTER_PATH folder with the ipt-fork kernelspec, once installed
        cmd = server_command(self.socket, autograded=str(Path(course) / "autograded"), ipc=str(self.ipc),
                             hide=[str(Path(p).resolve()) for p in hide], show=environment_paths(),
                             preload=preload)
        # what the server and its kernels print outside the kernel protocol (a kernel that could not start, a
        # library's warning before the kernel captures its output) goes to a log beside the autograde journal
        log_dir = Path(course) / ".ipt-autograde"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "forkserver.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                         stdin=subprocess.DEVNULL)
        self.ready = False
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Return once the server has imported the libraries and listens (at once if it already did); raise
        RuntimeError if it could not start."""
        if self.ready:
            return
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if line.strip() != "ready":
            self.proc.kill()
            raise RuntimeError(f"the warm-kernel fork server did not start (see {self.log_path})")
        self.ready = True

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
    """Write the ipt-fork kernelspec under ``folder``/kernels (put ``folder`` on JUPYTER_PATH)."""
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


def start_warm_kernels(course: Path, jupyter_path: Path | None, stack, wait: bool = True,
                       preload: tuple[str, ...] | None = None) -> ForkServer:
    """Start the fork server (stopped with the ExitStack ``stack``) with the folders that the ipt-sandbox kernelspec
    in ``jupyter_path`` hides, and install the ipt-fork kernelspec in the server's ``share`` folder (the folder to
    put on JUPYTER_PATH). ``wait=False``: return while the server is still importing (the kernelspec is already
    there); call its ``wait_ready()`` before the first kernel is asked for. ``preload``: what the server imports
    (:func:`preload_for`; None: everything in :data:`PRELOAD`)."""
    from .sandbox import HIDE_ENV, IPC_ENV
    from .sandbox import KERNEL_NAME as SANDBOX_KERNEL

    if jupyter_path is None:
        raise ValueError("warm kernels need the ipt-sandbox kernelspec (jupyter_path) to know what to hide")
    spec = json.loads((Path(jupyter_path) / "kernels" / SANDBOX_KERNEL / "kernel.json").read_text(encoding="utf-8"))
    hide = [Path(p) for p in spec["env"][HIDE_ENV].split(os.pathsep) if p]
    # a short folder for the kernels' sockets (a unix socket path must fit in 107 bytes), removed afterwards
    ipc = Path(tempfile.mkdtemp(prefix="iptw-", dir="/tmp"))
    stack.callback(shutil.rmtree, ipc, True)
    server = stack.enter_context(ForkServer(course, ipc, hide, wait=wait, preload=preload))
    share = Path(spec["env"][IPC_ENV]).parent / "warm-share"
    install_kernelspec(share, socket_path=server.socket, ipc=ipc, autograded=Path(course) / "autograded")
    server.share = share
    return server


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    preload = PRELOAD
    if argv[:1] == ["serve"] and len(argv) == 4 and argv[1] == "--preload":
        preload = tuple(name for name in argv[2].split(",") if _MODULE_NAME.fullmatch(name))
        del argv[1:3]
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1], preload)
        # stopped: every kernel has been killed; skip the interpreter's teardown of pandas, matplotlib and the rest
        # (0.3-0.4 s at the end of every warm run, measured)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    print("usage: python -m ipt_lib.course.forkserver serve [--preload MODULE,...] SOCKET", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
