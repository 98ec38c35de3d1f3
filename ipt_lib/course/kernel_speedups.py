"""Speed-ups of the forked grading kernels (ipt_lib/course/forkserver.py), applied once in the fork server.

The kernels are ipykernel's own; these change how often its threads hand work to each other, never what a cell
computes or which messages the grader receives. They are written against ipykernel 7 (``IPYKERNEL_MAJORS``) and
left out with any other release. ``tests/test_warm_kernels.py`` checks them in a real forked kernel;
``benchmarks/profile_warm.py`` and ``benchmarks/bench_autograde.py`` measure what they save.
"""

from __future__ import annotations

import threading

IPYKERNEL_MAJORS = ("7",)


def apply() -> bool:
    """Patch ipykernel's classes in this process (the fork server, before any kernel is forked); return whether the
    installed ipykernel is one they were written for."""
    try:
        import ipykernel
        from ipykernel import iostream
    except ImportError:
        return False
    if ipykernel.__version__.split(".")[0] not in IPYKERNEL_MAJORS:
        return False
    stream = iostream.OutStream
    if getattr(stream.flush, "ipt_lean", False):
        return True
    if not (hasattr(stream, "_flush") and hasattr(iostream.IOPubThread, "schedule")):
        return False
    stream.flush = _lean_flush(stream.flush)
    _without_shell_channel_thread()
    _no_parse_of_an_empty_command_line()
    _each_cell_transformed_once()
    return True


def _each_cell_transformed_once() -> None:
    """Each cell's code transformed, and its need for an event loop decided, once instead of twice; ipykernel's
    check of which arguments IPython's ``run_cell`` accepts made once instead of for every cell.

    For a cell without a top-level ``await`` ipykernel (``IPythonKernel.do_execute``) runs IPython's input
    transformers over the code and asks ``should_run_async`` (which compiles it), then calls ``shell.run_cell``, whose
    ``_run_cell`` does both again on the same string, before the code is compiled once more to run. Here the results
    of ipykernel's two calls are kept for that one cell and handed to ``_run_cell``'s two calls with the very same
    objects (nothing runs between them); anything else (a cell with ``await``, a transformer that raises, the
    student's own calls) is computed by IPython as before. ``inspect.signature`` of ``run_cell`` is asked once per
    function. Measured: about 5 ms of each kernel's CPU for the 34 cells of assignment 1."""
    from IPython.core.interactiveshell import InteractiveShell
    from ipykernel import ipkernel

    if getattr(InteractiveShell.transform_cell, "ipt_lean", False):
        return
    transform_cell, should_run_async = InteractiveShell.transform_cell, InteractiveShell.should_run_async
    run_cell, do_execute = InteractiveShell._run_cell, ipkernel.IPythonKernel.do_execute

    def lean_transform_cell(self, raw_cell):
        state = self.__dict__
        memo = state.get("_ipt_transformed")
        if memo is not None:
            state["_ipt_transformed"] = None
            if memo[0] is raw_cell and state.get("_ipt_running") is raw_cell:
                return memo[1]
        result = transform_cell(self, raw_cell)
        if state.get("_ipt_cell") is raw_cell and state.get("_ipt_running") is None:
            state["_ipt_transformed"] = (raw_cell, result)
        return result

    def lean_should_run_async(self, raw_cell, *, transformed_cell=None, preprocessing_exc_tuple=None):
        state = self.__dict__
        memo = state.get("_ipt_async")
        if memo is not None:
            state["_ipt_async"] = None
            if memo[0] is raw_cell and memo[1] is transformed_cell and memo[2] is preprocessing_exc_tuple and \
                    state.get("_ipt_running") is raw_cell:
                return memo[3]
        result = should_run_async(self, raw_cell, transformed_cell=transformed_cell,
                                  preprocessing_exc_tuple=preprocessing_exc_tuple)
        if state.get("_ipt_cell") is raw_cell and state.get("_ipt_running") is None:
            state["_ipt_async"] = (raw_cell, transformed_cell, preprocessing_exc_tuple, result)
        return result

    def lean_run_cell(self, raw_cell, *args, **kwargs):
        state = self.__dict__
        state["_ipt_running"] = raw_cell
        try:
            return run_cell(self, raw_cell, *args, **kwargs)
        finally:
            state["_ipt_running"] = state["_ipt_transformed"] = state["_ipt_async"] = None

    async def lean_do_execute(self, code, *args, **kwargs):
        state = self.shell.__dict__ if self.shell is not None else {}
        state["_ipt_cell"], state["_ipt_running"] = code, None
        state["_ipt_transformed"] = state["_ipt_async"] = None
        try:
            return await do_execute(self, code, *args, **kwargs)
        finally:
            state["_ipt_cell"] = state["_ipt_transformed"] = state["_ipt_async"] = None

    accepts_parameters = ipkernel._accepts_parameters
    accepted: dict = {}

    def lean_accepts_parameters(meth, param_names):
        key = (getattr(meth, "__func__", meth), tuple(param_names))
        try:
            return dict(accepted[key])
        except KeyError:
            pass
        except TypeError:  # unhashable
            return accepts_parameters(meth, param_names)
        result = accepted[key] = accepts_parameters(meth, param_names)
        return dict(result)

    for function, original in ((lean_transform_cell, transform_cell), (lean_should_run_async, should_run_async),
                               (lean_run_cell, run_cell), (lean_do_execute, do_execute),
                               (lean_accepts_parameters, accepts_parameters)):
        function.ipt_lean = True  # type: ignore[attr-defined]
        function.__doc__ = original.__doc__
    InteractiveShell.transform_cell = lean_transform_cell
    InteractiveShell.should_run_async = lean_should_run_async
    InteractiveShell._run_cell = lean_run_cell
    ipkernel.IPythonKernel.do_execute = lean_do_execute
    ipkernel._accepts_parameters = lean_accepts_parameters


def _no_parse_of_an_empty_command_line() -> None:
    """``IPKernelApp.parse_command_line([])`` without building traitlets' parser for nothing.

    The fork server gives each kernel its settings as a configuration object and an empty command line
    (``forkserver._run_kernel``). traitlets still flattens every flag and alias of every configurable class and
    builds an argparse parser to parse that empty list (about 5 ms of each kernel's start, measured), and ends with
    an empty command-line configuration and no extra arguments: this sets those directly, as that parse ends. Any
    other command line is parsed by traitlets."""
    from ipykernel.kernelapp import IPKernelApp
    from traitlets.config import Config

    original = IPKernelApp.parse_command_line
    if getattr(original, "ipt_lean", False):
        return

    def parse_command_line(self, argv=None):
        if argv is None or list(argv):
            return original(self, argv)
        self.argv = []
        self.cli_config = Config()
        self.update_config(self.cli_config)
        self.extra_args = []
        return None

    parse_command_line.ipt_lean = True  # type: ignore[attr-defined]
    parse_command_line.__doc__ = original.__doc__
    IPKernelApp.parse_command_line = parse_command_line


class _NoShellChannelThread:
    """What a kernel without ipykernel 7's shell-channel thread keeps in its ``shell_channel_thread``: false (so the
    kernel and its app take their paths for a kernel without subshells, as ipykernel 6 ran) but with the one attribute
    that ipykernel reads without checking first (``parent_thread``, in the path of a cell with a top-level ``await``).
    """

    def __init__(self) -> None:
        self.parent_thread = threading.current_thread()

    def __bool__(self) -> bool:
        return False


def _without_shell_channel_thread() -> None:
    """The kernel reads its shell socket on its main thread, as ipykernel 6 did, instead of in a thread of its own.

    ipykernel 7 receives every shell message in a "shell channel" thread (for subshells: concurrent executions a
    client may ask for) and passes it to the main thread over an in-process socket pair; the reply goes back the same
    way. The grader asks for no subshell, so each cell paid two more thread hand-offs for nothing. ipykernel keeps its
    own code for a kernel without that thread (``Kernel._supports_kernel_subshells`` is false, the shell stream is
    read by the main loop); this chooses it. A client that asks for a subshell is told the kernel does not support
    them (ipykernel's own answer for such a kernel)."""
    from ipykernel import kernelbase
    from ipykernel.kernelapp import IPKernelApp

    original = IPKernelApp.init_sockets
    if getattr(original, "ipt_lean", False):
        return

    def init_sockets(self):
        original(self)
        self.shell_channel_thread = _NoShellChannelThread()

    init_sockets.ipt_lean = True  # type: ignore[attr-defined]
    init_sockets.__doc__ = original.__doc__
    IPKernelApp.init_sockets = init_sockets
    kernelbase.Kernel._supports_kernel_subshells = property(lambda self: bool(self.shell_channel_thread))


def _lean_flush(original):
    """``OutStream.flush`` that returns at once when there is nothing to send.

    ipykernel sends a cell's output from its IOPub thread; ``sys.stdout.flush()`` from the main thread schedules a
    send there and then blocks until the IOPub thread has run everything scheduled so far (two wake-ups of that
    thread and a sleep of the main one). ipykernel and IPython call it five or six times per cell (before the reply,
    around the display hook) for stdout and stderr, nearly always with empty buffers: measured, about 190 flushes
    per kernel of assignment 1, each a thread hand-off and back. When the stream's buffers are empty and the IOPub
    thread has nothing queued, the wait would wait for nothing, so this returns. Whenever there is output (or any
    other message) not yet handed to the IOPub thread, it is ipykernel's own flush, wait included: the same messages
    in the same order (a cell's status "idle" still follows all of its output on the same thread's queue).
    """

    def flush(self):
        pub = self.pub_thread
        thread = getattr(pub, "thread", None)
        buffers, lock = getattr(self, "_buffers", None), getattr(self, "_buffer_lock", None)
        if (buffers is not None and lock is not None and getattr(self, "echo", None) is None
                and thread is not None and thread.ident != threading.get_ident() and thread.is_alive()
                and not getattr(pub, "_events", True)):
            with lock:
                pending = any(buffer.tell() for buffer in buffers.values())
            if not pending:
                return
        original(self)

    flush.ipt_lean = True  # type: ignore[attr-defined]
    flush.__doc__ = original.__doc__
    return flush
