"""Linux namespaces and capabilities through libc, for the fork server's children (ipt_lib/course/forkserver.py).

bubblewrap makes the sandbox of a cold kernel; a warm kernel is forked from a server already inside bubblewrap, so
the child makes its own, narrower sandbox with the same system calls bubblewrap uses: a mount namespace that hides
every other submission, a process namespace with its own /proc, and no capability left before student code runs.
"""

from __future__ import annotations

import ctypes
import os
import signal

_CLONE_NEWNS, _CLONE_NEWPID = 0x00020000, 0x20000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT = 1, 2, 4, 8, 32
_MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 4096, 8192, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_NO_NEW_PRIVS = 1, 24, 38
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


def enter_new_namespaces() -> None:
    """Own mount and process namespaces (the process namespace takes effect for the next child), with mounts that
    no longer propagate to the server's namespace."""
    _check(_c().unshare(_CLONE_NEWNS | _CLONE_NEWPID), "unshare")
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)


def isolate_folders(cwd: str, kernel_dir: str, hide: list[str], keep_readable: tuple[str, ...] = ()) -> None:
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


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (the kernel outlives neither its namespace's init nor the server)."""
    _c().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def mount_proc() -> None:
    """A /proc of this process namespace: the kernel sees no other kernel and no process of the grader."""
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_privileges() -> None:
    """Drop every capability (bounding set included) and set no-new-privileges, so that the code run next cannot
    undo the namespaces' mounts nor regain a capability through an executable."""
    libc = _c()
    for cap in range(64):
        libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)  # errors past the last capability are expected
    header = _CapHeader(0x20080522, 0)
    data = (_CapData * 2)()
    _check(libc.capset(ctypes.byref(header), data), "capset")
    _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
