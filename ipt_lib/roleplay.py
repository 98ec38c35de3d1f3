"""Branching role-play scenarios: a simulated client, the therapist's choices, and feedback tied to the technique.

A scenario is one TOML file in data/scenarios (schema: data/scenarios/README.md). Each node holds what the
client says and 2-4 choices for the therapist's next response; each choice names the technique it uses (read by
:meth:`~ipt_lib.techniques.Technique.parse`), its quality (good, acceptable or poor), feedback that cites the
course reference, and the node it leads to. A node with a closing text instead of choices is an ending.

Loading checks the whole graph: every ``next`` names a node, every node can be reached from the start, and from
every node some ending can still be reached (loops are allowed as long as a way out remains). A problem is a
:class:`ScenarioError` naming the file, the node and the choice::

    python -m ipt_lib.roleplay check data/scenarios     # validate and list the scenarios

A :class:`Session` is one play-through: ``choose(number)``, ``restart()``, ``summary()``, and ``save``/``load``
to a JSON progress file (atomic, schema-versioned; a damaged file is kept aside and play starts fresh).

>>> s = Session(load_scenario(default_folder() / "r01.toml"))   # doctest: +SKIP
>>> step = s.choose(2)                                           # doctest: +SKIP
>>> step.technique, step.quality                                 # doctest: +SKIP
(<Technique.COMMUNICATION_ANALYSIS: 'communication analysis'>, 'good')

No pandas, matplotlib or ipywidgets is imported here; the widget is in :mod:`ipt_lib.widgets.roleplay`.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, NoReturn

from .corpus import Corpus, Field, Fields, Schema
from .errors import StudentFacingError
from .problem_areas import DisputeStage, ProblemArea, ProblemAreaError
from .references import check_cited, unresolved
from .techniques import Phase, PhaseError, Technique, TechniqueError
from .transcripts import _SENSITIVE, Client, dispute_stage

__all__ = [
    "Scenario", "Node", "Choice", "Session", "Step", "Summary", "ScenarioError", "SessionError",
    "load_scenario", "load_scenarios", "default_folder", "practice_excerpt", "QUALITIES", "KIND", "SCHEMA_VERSION",
]

QUALITIES = ("good", "acceptable", "poor")
KIND = "ipt-roleplay-progress"
SCHEMA_VERSION = 1
MIN_CHOICES, MAX_CHOICES = 2, 4

_ID = re.compile(r"^R\d{2,3}$")
_NODE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class ScenarioError(StudentFacingError):
    """A scenario file is malformed or its graph is broken; the message names the file, node, choice and field."""

    title = "Scenario file problem"

    def __init__(self, path: Path | str, problem: str, *, node: str | None = None, choice: int | None = None,
                 field_name: str | None = None):
        self.path, self.problem, self.node, self.choice, self.field = Path(path), problem, node, choice, field_name
        where = [self.path.name]
        if node is not None:
            where.append(f"node {node!r}")
        if choice is not None:
            where.append(f"choice {choice}")
        if field_name:
            where.append(field_name)
        super().__init__(f"{', '.join(where)}: {problem}")


class SessionError(StudentFacingError):
    """A choice that cannot be made (no such choice, or the role-play has already ended)."""

    title = "Role-play"


@dataclass(frozen=True)
class Choice:
    """One response the therapist can give at a node. ``number`` counts from 1, as shown to the student."""

    number: int
    text: str
    technique: Technique
    quality: str
    feedback: str
    next: str
    reply: str = ""


@dataclass(frozen=True)
class Node:
    """What the client says at one point, and either the therapist's choices or (at an ending) a closing text."""

    id: str
    client: str
    choices: tuple[Choice, ...] = ()
    closing: str = ""
    ending: str = ""

    @property
    def is_end(self) -> bool:
        return not self.choices

    @property
    def ending_label(self) -> str:
        """The ending's short name (its id, made readable, when the file gives none)."""
        return self.ending or self.id.replace("_", " ").replace("-", " ")


@dataclass(frozen=True)
class Scenario:
    """One branching role-play (see data/scenarios/_TEMPLATE.toml.example)."""

    id: str
    title: str
    problem_area: ProblemArea
    dispute_stage: DisputeStage | None
    phase: Phase
    client: Client
    setup: str
    start: str
    nodes: tuple[Node, ...]
    content_note: str = ""
    source: str = field(default="", compare=False)

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(f"{self.id} has no node {node_id!r}")

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    @property
    def endings(self) -> tuple[Node, ...]:
        return tuple(n for n in self.nodes if n.is_end)

    @property
    def choices(self) -> tuple[Choice, ...]:
        return tuple(c for n in self.nodes for c in n.choices)

    def outline(self) -> str:
        """The graph as text, one line per choice: ``node -> next [technique, quality]`` (for authors)."""
        lines = [f"{self.id}: {self.title} (start: {self.start})"]
        for node in self.nodes:
            if node.is_end:
                lines.append(f"  {node.id}: ENDING '{node.ending_label}'")
            for c in node.choices:
                lines.append(f"  {node.id} #{c.number} -> {c.next} [{c.technique.label}, {c.quality}]")
        return "\n".join(lines)


def default_folder() -> Path:
    """data/scenarios in a checkout of the course repository, else a copy packaged with ipt_lib (if any)."""
    return CORPUS.default_folder()


def load_scenario(path: Path | str) -> Scenario:
    """Read one scenario file and check its fields and its graph."""
    return CORPUS.load(path)


def load_scenarios(folder: Path | str | None = None) -> list[Scenario]:
    """Every ``*.toml`` scenario in ``folder`` (default: the repository's data/scenarios), sorted by id."""
    return CORPUS.load_all(folder)


def find_scenario(name: str | Path | Scenario, folder: Path | str | None = None) -> Scenario:
    """A scenario given as a :class:`Scenario`, a file path, or an id such as ``"R01"`` (looked up in ``folder``)."""
    if isinstance(name, Scenario):
        return name
    if isinstance(name, str) and _ID.match(name.strip().upper()):
        wanted = name.strip().upper()
        scenarios = load_scenarios(folder)
        for s in scenarios:
            if s.id == wanted:
                return s
        raise ScenarioError(Path(folder) if folder else default_folder(),
                            f"there is no scenario {wanted}; the scenarios are: {', '.join(s.id for s in scenarios)}")
    return load_scenario(name)


# --- playing ---------------------------------------------------------------------

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


# --- validation ----------------------------------------------------------------------

def _error_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _node_at_line(text: str, line: int) -> tuple[str | None, int | None]:
    """The node (and choice number) whose table the given line falls in, read from the raw text."""
    node, choice, header = None, None, ""
    for number, content in enumerate(text.splitlines(), 1):
        if number > line:
            break
        stripped = content.strip()
        if stripped.startswith("["):
            header = stripped.replace(" ", "")
            if header == "[[nodes]]":
                node, choice = "(unnamed)", None
            elif header == "[[nodes.choices]]":
                choice = (choice or 0) + 1
            else:
                node, choice = None, None
            continue
        found = re.match(r"""id\s*=\s*["']([^"']*)["']""", stripped)
        if found and header == "[[nodes]]":
            node = found.group(1)
    return node, choice


CLIENT = Schema((
    Field("name", "the client's first name (invented)"),
    Field("age", "a whole number from 12 to 110", kind="whole", low=12, high=110),
    Field("pronouns", "e.g. she/her, he/him, they/them"),
    Field("background", "culture, family, work: specific, not stereotyped"),
))
CHOICE = Schema((
    Field("text", "what the therapist says"),
    Field("technique", "the technique it uses (read by Technique.parse)", kind="parse", parse=Technique.parse,
          errors=TechniqueError),
    Field("quality", "good, acceptable or poor", kind="any"),
    Field("feedback", "why, tied to the technique; cites the course bibliography",
          missing="missing: every choice needs feedback that ties it to the technique and the course bibliography, "
                  "e.g. (Weissman et al., 2018)"),
    Field("next", "the id of the node it leads to"),
    Field("reply", "optional: what the client says back", required=False),
))
NODE = Schema((
    Field("id", "a short name of letters, digits, _ or - starting with a letter", kind="any"),
    Field("client", "what the client says here"),
    Field("choices", f"{MIN_CHOICES}-{MAX_CHOICES} [[nodes.choices]], or none at an ending", kind="tables",
          required=False, fields=CHOICE),
    Field("closing", "at an ending: the closing text", kind="any", required=False),
    Field("ending", "at an ending, optional: its short name", kind="any", required=False),
))
SCHEMA = Schema((
    Field("id", "R and 2-3 digits (R01); unique across the folder"),
    Field("title", "short, neutral"),
    Field("problem_area", "grief, role dispute, role transition, interpersonal deficits", kind="parse",
          parse=ProblemArea.parse, errors=ProblemAreaError),
    Field("dispute_stage", "required for a role dispute, absent otherwise", kind="any", required=False),
    Field("phase", "initial, middle, ending", kind="parse", parse=Phase.parse, errors=PhaseError),
    Field("client", "who the client is", kind="table", fields=CLIENT),
    Field("setup", "what the student reads before the first line"),
    Field("content_note", "required if anything said touches suicide, self-harm, violent death or trauma",
          required=False),
    Field("start", "the id of the first node"),
    Field("nodes", "the [[nodes]] of the graph", kind="tables", fields=NODE),
))


def _validate(path: Path, raw: dict) -> Scenario:
    def at(node: str | None = None, choice: int | None = None):
        def fail(name: str | None, problem: str) -> NoReturn:
            raise ScenarioError(path, problem, node=node, choice=choice, field_name=name)
        return fail

    fields = Fields(raw, at())
    values = fields.read(SCHEMA)
    sid = values["id"]
    if not _ID.match(sid):
        fields.fail("id", f"{sid!r} must look like R01")
    area = values["problem_area"]
    stage = dispute_stage(fields, area, "scenario")
    setup = values["setup"]

    nodes_raw = values["nodes"]
    if not isinstance(nodes_raw, list) or not nodes_raw or not all(isinstance(n, dict) for n in nodes_raw):
        fields.fail("nodes", "must be a list of [[nodes]] tables")
    nodes: list[Node] = []
    seen: set[str] = set()
    for position, entry in enumerate(nodes_raw, 1):
        nid = entry.get("id")
        unnamed = Fields(entry, at(nid if isinstance(nid, str) and nid else f"#{position}"))
        unnamed.only(NODE.names)
        nid = unnamed.text("id", default=None)
        node = Fields(entry, at(nid))
        if not _NODE_ID.match(nid):
            node.fail("id", "a node id is a short name of letters, digits, _ or - starting with a letter")
        if nid in seen:
            node.fail("id", "this node id is used twice; give each node its own id")
        seen.add(nid)
        nodes.append(_node(nid, node, at))

    content_note = values["content_note"]
    if not content_note:
        for node in nodes:
            for spoken in (node.client, node.closing, *(c.reply for c in node.choices), *(c.text for c in node.choices)):
                found = _SENSITIVE.search(" ".join(spoken.split()))
                if found:
                    at(node.id)(None, f"mentions suicide or self-harm, violent death or trauma ({found.group(0)!r}): "
                                      "add a short content_note")
        found = _SENSITIVE.search(setup)
        if found:
            fields.fail("content_note", f"the setup mentions suicide or self-harm, violent death or trauma "
                                        f"({found.group(0)!r}): add a short content_note")

    scenario = Scenario(id=sid, title=values["title"], problem_area=area, dispute_stage=stage, phase=values["phase"],
                        client=Client(**values["client"]), setup=setup, start=values["start"], nodes=tuple(nodes),
                        content_note=content_note, source=str(path))
    _check_graph(path, scenario)
    return scenario


def _node(nid: str, fields: Fields, at) -> Node:
    """One [[nodes]] table: the client's line and either 2-4 choices or, at an ending, a closing text."""
    line = fields.text("client", default=None)
    if "choices" in fields:
        if "closing" in fields or "ending" in fields:
            fields.fail(None, "a node has either choices or, at an ending, a closing text; not both")
        choices_raw = fields.get("choices")
        if not isinstance(choices_raw, list) or not all(isinstance(c, dict) for c in choices_raw):
            fields.fail("choices", "must be a list of [[nodes.choices]] tables")
        if not MIN_CHOICES <= len(choices_raw) <= MAX_CHOICES:
            fields.fail("choices", f"has {len(choices_raw)} choice(s); a node offers {MIN_CHOICES}-{MAX_CHOICES}")
        return Node(nid, line, tuple(_choice(number, Fields(c, at(nid, number)))
                                     for number, c in enumerate(choices_raw, 1)))
    if "closing" in fields:
        closing = fields.text("closing")
        if unresolved(closing):
            fields.fail("closing", check_cited(closing))
        return Node(nid, line, (), closing, fields.text("ending", empty_ok=True))
    fields.fail(None, f"needs either choices ({MIN_CHOICES}-{MAX_CHOICES} [[nodes.choices]]) or, at an ending, a "
                      "closing text")


def _choice(number: int, fields: Fields) -> Choice:
    values = fields.read(CHOICE)
    quality = fields.text("quality").lower()
    if quality not in QUALITIES:
        fields.fail("quality", f"{fields.get('quality')!r} is not one of: {', '.join(QUALITIES)}")
    uncited = check_cited(values["feedback"])
    if uncited:
        fields.fail("feedback", uncited)
    return Choice(number, values["text"], values["technique"], quality, values["feedback"], values["next"],
                  values["reply"])


def _check_graph(path: Path, s: Scenario) -> None:
    ids = set(s.node_ids)
    if s.start not in ids:
        raise ScenarioError(path, f"{s.start!r} is not a node{_did_you_mean(s.start, ids)}", field_name="start")
    for node in s.nodes:
        for c in node.choices:
            if c.next not in ids:
                raise ScenarioError(path, f"{c.next!r} is not a node in this scenario{_did_you_mean(c.next, ids)}",
                                    node=node.id, choice=c.number, field_name="next")
    links = {n.id: [c.next for c in n.choices] for n in s.nodes}
    reachable = _walk(s.start, links)
    for node in s.nodes:
        if node.id not in reachable:
            raise ScenarioError(path, f"cannot be reached from the start node {s.start!r}: no choice leads here. "
                                      "Point a choice's next at it, or remove it", node=node.id)
    backwards: dict[str, list[str]] = {n: [] for n in ids}
    for source, targets in links.items():
        for target in targets:
            backwards[target].append(source)
    can_end: set[str] = set()
    for end in s.endings:
        can_end |= _walk(end.id, backwards)
    for node in s.nodes:
        if node.id not in can_end:
            trapped = sorted(_walk(node.id, links))
            raise ScenarioError(path, f"no path from here reaches an ending (its choices lead only among "
                                      f"{', '.join(trapped)}); give one choice a next that leads to an ending",
                                node=node.id)


def _walk(start: str, links: Mapping[str, list[str]]) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in links.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _did_you_mean(name: str, ids: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(ids), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (nodes: {', '.join(sorted(ids))})"


# --- command line ----------------------------------------------------------------------

def _line(s: Scenario) -> str:
    q = Counter(c.quality for c in s.choices)
    return (f"{s.id} {s.title}: {s.problem_area.label}, {s.phase.label} phase; {s.client.name}, {s.client.age}; "
            f"{len(s.nodes)} nodes, {len(s.endings)} endings; choices: " + ", ".join(f"{q[k]} {k}" for k in QUALITIES))


def _main(argv: list[str]) -> int:
    """``check [FOLDER]``: one line per scenario and every file's errors; ``outline [FOLDER]``: each graph."""
    return CORPUS.main(argv, {"check": lambda good: [_line(s) for s in good],
                              "outline": lambda good: [s.outline() for s in good]})


def _toml_error(path: Path, text: str, exc: Exception) -> ScenarioError:
    line = _error_line(str(exc))
    node, choice = _node_at_line(text, line) if line else (None, None)
    return ScenarioError(path, f"not valid TOML: {exc}", node=node, choice=choice)


CORPUS = Corpus("scenario", "scenarios", "scenarios", "ipt_lib.roleplay", ScenarioError, _validate,
                make_error=lambda path, name, problem: ScenarioError(path, problem, field_name=(
                    None if name.startswith("(") else name)),
                toml_error=_toml_error)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
