"""Speed-ups of the forked grading kernels (ipt_lib/course/forkserver.py), applied once in the fork server.

The kernels are ipykernel's own; these change how often its threads hand work to each other, never what a cell
computes or which messages the grader receives. They are written against ipykernel 7 (``IPYKERNEL_MAJORS``) and
left out with any other release. ``tests/test_kernel_speedups.py`` checks them in a real kernel;
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
    return True


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
