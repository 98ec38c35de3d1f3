"""Both grading kernels (the cold ipt-sandbox kernel and the warm kernels' fork server) get one bubblewrap sandbox:
the same hidden folders, the same namespaces and nothing of the grader's environment."""

from __future__ import annotations

import pytest

from ipt_lib.course import forkserver, sandbox

pytestmark = pytest.mark.skipif(sandbox.bwrap_path() is None, reason="needs a working bubblewrap")

_SANDBOX_FLAGS = ("--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
                  "--new-session", "--clearenv")


def _pairs(args: list[str], flag: str, width: int) -> list[tuple[str, ...]]:
    return [tuple(args[i + 1:i + 1 + width]) for i, a in enumerate(args) if a == flag]


def _commands(tmp_path, monkeypatch):
    monkeypatch.setenv("IPT_CANARY_SECRET", "do-not-leak")
    hidden = tmp_path / "course"
    hidden.mkdir()
    work = hidden / "autograded" / "s1" / "a1"
    work.mkdir(parents=True)
    cold = sandbox.command(str(work / "kernel.json"), cwd=str(work), hide=[str(hidden)],
                           show=sandbox.environment_paths(), ipc=str(tmp_path / "ipc"))
    warm = forkserver.server_command(str(tmp_path / "w" / "s.sock"), autograded=str(hidden / "autograded"),
                                     ipc=str(tmp_path / "w"), hide=[str(hidden)], show=sandbox.environment_paths())
    return hidden, cold, warm


def test_both_kernels_hide_the_same_folders_in_the_same_namespaces(tmp_path, monkeypatch):
    hidden, cold, warm = _commands(tmp_path, monkeypatch)
    for args in (cold, warm):
        assert (str(hidden),) in _pairs(args, "--tmpfs", 1)
        assert all(flag in args for flag in _SANDBOX_FLAGS), args
        assert args.index("--clearenv") < args.index("--setenv")
    # only the fork server may make namespaces of its own (its children drop every capability)
    assert "--unshare-user" in warm and "--cap-add" not in cold


def test_neither_kernel_inherits_the_grader_s_environment(tmp_path, monkeypatch):
    _, cold, warm = _commands(tmp_path, monkeypatch)
    for args in (cold, warm):
        names = {name for name, _ in _pairs(args, "--setenv", 2)}
        assert names <= set(sandbox.KERNEL_ENV_ALLOWED) | {"HOME", "MPLCONFIGDIR", "IPYTHONDIR"}, names
        assert "do-not-leak" not in args
