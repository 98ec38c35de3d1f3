"""Playing a branching role-play: a :class:`Session` walks a :class:`~ipt_lib.scenarios.Scenario`.

A :class:`Session` is one play-through: ``choose(number)``, ``restart()``, ``summary()``, and ``save``/``load``
to a JSON progress file (atomic, schema-versioned; a damaged file is kept aside and play starts fresh). The
scenarios themselves (their files, schema and graph checks) are :mod:`ipt_lib.scenarios`, whose names this module
also gives, so ``from ipt_lib.roleplay import Session, load_scenarios`` reads as one idea.

>>> s = Session(load_scenario(default_folder() / "r01.toml"))   # doctest: +SKIP
>>> step = s.choose(2)                                           # doctest: +SKIP
>>> step.technique, step.quality                                 # doctest: +SKIP
(<Technique.COMMUNICATION_ANALYSIS: 'communication analysis'>, 'good')

No pandas, matplotlib or ipywidgets is imported here; the widget is in :mod:`ipt_lib.widgets.roleplay`.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from .errors import StudentFacingError
from .scenarios import (MAX_CHOICES, QUALITIES, Choice, Node, Scenario, ScenarioError, _main, default_folder,
                        find_scenario, load_scenario, load_scenarios)
from .techniques import Technique

__all__ = [
    "Scenario", "Node", "Choice", "Session", "Step", "Summary", "ScenarioError", "SessionError",
    "load_scenario", "load_scenarios", "find_scenario", "default_folder", "practice_excerpt", "QUALITIES", "KIND",
    "SCHEMA_VERSION", "MAX_CHOICES",
]

KIND = "ipt-roleplay-progress"
SCHEMA_VERSION = 1


class SessionError(StudentFacingError):
    """A choice that cannot be made (no such choice, or the role-play has already ended)."""

    title = "Role-play"


@dataclass(frozen=True)
class Step:
    """One choice made: at which node, which choice (from 1), and what it was."""

    node: str
    choice: int
    text: str
    technique: Technique
    quality: str
    feedback: str
    next: str
    reply: str = ""

    @classmethod
    def of(cls, node: Node, choice: Choice) -> "Step":
        return cls(node.id, choice.number, choice.text, choice.technique, choice.quality, choice.feedback,
                   choice.next, choice.reply)


@dataclass(frozen=True)
class Summary:
    """The path taken through a scenario, the techniques used, counts by quality, and a short debrief."""

    scenario: str
    title: str
    finished: bool
    ending: str
    closing: str
    steps: tuple[Step, ...]
    techniques: tuple[tuple[Technique, int], ...]
    counts: Mapping[str, int]
    debrief: str
    earlier: tuple[Mapping[str, object], ...] = ()

    def __str__(self) -> str:
        lines = [f"{self.scenario}: {self.title}"]
        if self.finished:
            lines.append(f"Ending: {self.ending}")
        for i, s in enumerate(self.steps, 1):
            lines.append(f"{i:>2}. [{s.quality}] {s.technique.label}: {s.text}")
        lines.append(self.debrief)
        return "\n".join(lines)


class Session:
    """One student's play-through of a scenario: the current node and the path taken so far.

    ``choose(number)`` takes the choice numbered as shown (from 1). ``restart()`` goes back to the start and keeps
    a one-line record of a finished run, so a student can see earlier attempts in the summary.
    """

    def __init__(self, scenario: Scenario, steps: Iterable[Step] = (), history: Iterable[Mapping] = ()):
        self.scenario = scenario
        self.steps: list[Step] = list(steps)
        self.history: list[dict] = [dict(h) for h in history]

    # --- state -------------------------------------------------------------------
    @property
    def node(self) -> Node:
        """The node the student is at now."""
        return self.scenario.node(self.steps[-1].next if self.steps else self.scenario.start)

    @property
    def finished(self) -> bool:
        return self.node.is_end

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def __repr__(self) -> str:
        state = f"ended at {self.node.id!r}" if self.finished else f"at {self.node.id!r}"
        return f"<Session {self.scenario.id}: {len(self.steps)} choice(s), {state}>"

    # --- actions -------------------------------------------------------------------
    def choose(self, number: int) -> Step:
        """Take choice ``number`` (counted from 1, as shown) at the current node; returns the step taken."""
        node = self.node
        if node.is_end:
            raise SessionError("This role-play has reached an ending. Use restart() to play it again.")
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(node.choices):
            raise SessionError(f"Choose a response by its number, 1 to {len(node.choices)}; got {number!r}.")
        step = Step.of(node, node.choices[number - 1])
        self.steps.append(step)
        return step

    def restart(self) -> None:
        """Go back to the start. A finished run is kept as one line in ``history``."""
        if self.finished:
            counts = self._counts()
            self.history.append({"ending": self.node.id, "steps": len(self.steps), **counts})
        self.steps.clear()

    # --- reading -------------------------------------------------------------------
    def _counts(self) -> dict[str, int]:
        counts = Counter(s.quality for s in self.steps)
        return {q: counts.get(q, 0) for q in QUALITIES}

    def summary(self) -> Summary:
        counts = self._counts()
        used = Counter(s.technique for s in self.steps)
        order = list(dict.fromkeys(s.technique for s in self.steps))
        techniques = tuple((t, used[t]) for t in order)
        node = self.node
        return Summary(
            scenario=self.scenario.id, title=self.scenario.title, finished=node.is_end,
            ending=node.ending_label if node.is_end else "", closing=node.closing if node.is_end else "",
            steps=tuple(self.steps), techniques=techniques, counts=counts,
            debrief=self._debrief(counts, techniques), earlier=tuple(self.history),
        )

    def _debrief(self, counts: Mapping[str, int], techniques) -> str:
        n = len(self.steps)
        if not n:
            return "No responses chosen yet."
        tally = ", ".join(f"{counts[q]} {q}" for q in QUALITIES)
        used = ", ".join(t.label + (f" ×{k}" if k > 1 else "") for t, k in techniques)
        if self.finished:
            head = f"You reached the ending '{self.node.ending_label}' in {n} response{'s' * (n != 1)} ({tally})."
        else:
            head = f"{n} response{'s' * (n != 1)} so far ({tally}); the role-play has not ended yet."
        parts = [head, f"Techniques used: {used}."]
        poor = [(i, s) for i, s in enumerate(self.steps, 1) if s.quality == "poor"]
        if poor:
            where = "; ".join(f"response {i} ({s.technique.label})" for i, s in poor)
            parts.append(f"Look again at {where}: the feedback says what the moment needed.")
        elif self.finished:
            parts.append("No poor choices on this path. Restart to see where the other responses lead.")
        return " ".join(parts)

    # --- saving -------------------------------------------------------------------
    def to_dict(self) -> dict:
        """This scenario's progress: enough to replay it (node and choice number), plus readable labels."""
        return {
            "scenario": self.scenario.id,
            "steps": [{"node": s.node, "choice": s.choice, "technique": s.technique.label, "quality": s.quality}
                      for s in self.steps],
            "history": [dict(h) for h in self.history],
            "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }

    @classmethod
    def from_dict(cls, scenario: Scenario, data: Mapping) -> "Session":
        """Replay saved progress against the scenario as it is now; a mismatch is a :class:`SessionError`."""
        if not isinstance(data, Mapping) or data.get("scenario") != scenario.id:
            raise SessionError(f"The saved progress is not for scenario {scenario.id}.")
        steps, history = data.get("steps"), data.get("history", [])
        if not isinstance(steps, list) or not isinstance(history, list):
            raise SessionError(f"The saved progress for {scenario.id} has no list of steps.")
        session = cls(scenario)
        for i, raw in enumerate(steps, 1):
            if not isinstance(raw, Mapping):
                raise SessionError(f"Saved step {i} for {scenario.id} is damaged.")
            if raw.get("node") != session.node.id:
                raise SessionError(f"Saved step {i} was made at node {raw.get('node')!r}, but replaying it reaches "
                                   f"{session.node.id!r}: the scenario file has changed since it was saved.")
            try:
                session.choose(raw.get("choice"))
            except SessionError as exc:
                raise SessionError(f"Saved step {i} for {scenario.id} cannot be replayed: {exc}") from None
        for h in history:
            if not isinstance(h, Mapping):
                raise SessionError(f"The saved history for {scenario.id} is damaged.")
        session.history = [dict(h) for h in history]
        return session

    def save(self, path: str | Path) -> Path:
        """Save atomically to ``path``, keeping the progress of other scenarios stored in the same file."""
        from .storage import StoredFileError, atomic_write_json, load_json

        path = Path(path)
        try:
            data = load_json(path, kind=KIND, schema_version=SCHEMA_VERSION)
        except StoredFileError:
            if path.exists():      # saved by a newer workbook: never overwrite it
                raise
            data = None            # damaged or foreign: already kept aside by load_json
        scenarios = dict(data.get("scenarios", {})) if data and isinstance(data.get("scenarios"), dict) else {}
        scenarios[self.scenario.id] = self.to_dict()
        return atomic_write_json(path, {"kind": KIND, "schema_version": SCHEMA_VERSION, "scenarios": scenarios})

    @classmethod
    def load(cls, scenario: Scenario, path: str | Path) -> "Session":
        """The progress saved in ``path`` for ``scenario``, or a fresh session if there is none.

        A damaged or foreign file is moved aside and reported with a
        :class:`~ipt_lib.storage.StoredFileError`; progress that no longer fits the scenario (the file was
        edited, or the scenario changed) is copied aside and reported the same way. Nothing is deleted.
        """
        from .storage import StoredFileError, load_json

        path = Path(path)
        data = load_json(path, kind=KIND, schema_version=SCHEMA_VERSION)
        if data is None:
            return cls(scenario)
        scenarios = data.get("scenarios")
        entry = scenarios.get(scenario.id) if isinstance(scenarios, dict) else None
        if entry is None and isinstance(scenarios, dict):
            return cls(scenario)
        try:
            if entry is None:
                raise SessionError("the file has no table of scenarios")
            return cls.from_dict(scenario, entry)
        except SessionError as exc:
            kept = _copy_aside(path, "damaged")
            raise StoredFileError(f"{path.name}: the saved progress for {scenario.id} could not be used ({exc}) "
                                  f"A copy was kept as {kept.name}; this role-play starts fresh.") from None


def _copy_aside(path: Path, reason: str) -> Path:
    from .storage import _keep_aside

    return _keep_aside(path, reason, copy=True)


# --- lesson helper -----------------------------------------------------------------

def practice_excerpt(transcript_id: str, first: int, last: int | None = None, *, key: bool = True,
                     folder: Path | str | None = None):
    """Turns ``first``..``last`` of a **practice** transcript as HTML, with its key: a worked example.

    Graded transcripts are refused (their labels are instructor-only), as in :meth:`Transcript.show`.

    >>> practice_excerpt("T03", 1, 4)     # doctest: +SKIP
    """
    from .transcripts import LabelError, load_transcripts

    transcripts = {t.id: t for t in load_transcripts(folder)}
    wanted = str(transcript_id).strip().upper()
    if wanted not in transcripts:
        practice = ", ".join(t for t, v in transcripts.items() if v.use == "practice")
        raise LabelError(f"There is no transcript {transcript_id!r}. Practice transcripts: {practice}.")
    t = transcripts[wanted]
    if t.is_graded:
        raise LabelError(f"{t.id} is a graded item: its labels are not shown. Choose a practice transcript.")
    last = first if last is None else last
    if not (isinstance(first, int) and isinstance(last, int) and 1 <= first <= last <= len(t.turns)):
        raise LabelError(f"{t.id} has turns 1-{len(t.turns)}; choose first <= last within them "
                         f"(got {first!r}, {last!r}).")
    return dataclasses.replace(t, turns=t.turns[first - 1:last]).show(key=key)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
