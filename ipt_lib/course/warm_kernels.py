"""Warm kernels for autograding: the ``ipt-fork`` kernelspec, and the jupyter_client provisioner, manager and client
that get each kernel from the fork server (ipt_lib/course/forkserver.py) instead of starting Python afresh.

nbgrader's Execute asks for the ``ipt-fork`` kernel; its kernelspec names ``ForkProvisioner`` (registered as
``ipt-fork-provisioner`` in pyproject.toml), which asks the server to fork a sandboxed kernel for the submission's
folder. The kernel is reached over IPC sockets in a folder of its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from .forkserver import KERNEL_NAME, ForkServer, install_kernelspec, request, start_warm_kernels  # noqa: F401

try:
    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner
    from traitlets import DottedObjectName, Type, Unicode
except ImportError:  # pragma: no cover - jupyter_client is a dependency of nbgrader
    LocalProvisioner = AsyncKernelClient = AsyncKernelManager = object  # type: ignore[misc,assignment]


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
        status message on IOPub is then lost, which costs jupyter_client's ``wait_for_ready`` another 200 ms of
        waiting. The socket files appear when the kernel binds them.
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
        """Kill the kernel, returning once it and every process of its namespace are gone (the server's ``kill``
        op answers when it has reaped them; no polling). The server then forgets it."""
        if getattr(self, "pid", None) is None or getattr(self, "_exit", None) is not None:
            return
        try:
            code = request(self.socket_path, {"op": "kill", "pid": self.pid}, timeout=30).get("exit", -1)
        except OSError:
            await self.send_signal(signal.SIGKILL)
            return
        self._exit = code
        self._forgotten = True

    async def terminate(self, restart: bool = False) -> None:
        await self.kill(restart)

    async def cleanup(self, restart: bool = False) -> None:
        if getattr(self, "pid", None) is not None and not getattr(self, "_forgotten", False):
            try:
                request(self.socket_path, {"op": "forget", "pid": self.pid}, timeout=5)
            except OSError:
                pass
        shutil.rmtree(getattr(self, "_kernel_dir", ""), ignore_errors=True)
        self.pid = None


class WarmKernelClient(AsyncKernelClient):  # type: ignore[misc,valid-type]
    """jupyter_client's client, with a start-up handshake that ends when the kernel is ready instead of after 0.2 s
    of silence on IOPub, and no heartbeat thread (:meth:`start_channels`).

    jupyter_client's ``wait_for_ready`` waits for the reply to ``kernel_info``, then reads IOPub until nothing has
    arrived for 0.2 s. Here it reads IOPub up to the ``idle`` status that answers the same ``kernel_info`` request:
    IOPub is ordered, so everything the kernel published while starting has then been read, as before, but without
    waiting 0.2 s for each of a class's submissions. If that status is lost (IOPub not yet connected when the
    kernel published it), the request is sent again, as jupyter_client does.
    """

    def start_channels(self, shell: bool = True, iopub: bool = True, stdin: bool = True, hb: bool = True,
                       control: bool = True) -> None:
        """jupyter_client's channels without the heartbeat thread: this client belongs to a kernel manager, which
        jupyter_client asks whether the kernel lives (the fork server's ``poll``), so the heartbeat's thread and
        socket, started and stopped again for every submission, were never read."""
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)

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
    """The kernel manager for ``ipt-fork`` kernels: the client above, and a shutdown that kills the kernel at once
    and returns when the fork server has reaped it (``ForkProvisioner.kill``).

    A graded kernel is thrown away: nbgrader has read every cell's output up to the kernel's idle status, and a
    graceful shutdown would only let the student's code run once more (atexit, ``__del__``) before the kernel
    exits, while the worker polls for the exit (jupyter_client every 100 ms). The kill answers once nothing of the
    submission's processes is left, so DropPlantedFiles, which runs next, sees the folder as the kernel left it.
    A restart keeps jupyter_client's own sequence."""

    client_class = DottedObjectName("ipt_lib.course.warm_kernels.WarmKernelClient")
    client_factory = Type(WarmKernelClient, klass=AsyncKernelClient, config=True)

    async def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:  # type: ignore[override]
        # (AsyncKernelManager.shutdown_kernel is KernelManager._async_shutdown_kernel itself, so that is wrapped)
        return await AsyncKernelManager.shutdown_kernel(self, now=now or not restart, restart=restart)

    async def _async_finish_shutdown(self, waittime=None, pollinterval=0.1, restart=False):
        return await super()._async_finish_shutdown(waittime=waittime, pollinterval=0.005, restart=restart)


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
