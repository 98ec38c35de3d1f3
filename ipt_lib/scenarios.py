"""Branching role-play scenarios as data: one TOML file per scenario, its fields and its graph checked.

A scenario is one TOML file in data/scenarios (schema: :data:`SCHEMA`, described in data/scenarios/README.md). Each
node holds what the client says and 2-4 choices for the therapist's next response; each choice names the technique
it uses (read by :meth:`~ipt_lib.techniques.Technique.parse`), its quality (good, acceptable or poor), feedback that
cites the course reference, and the node it leads to. A node with a closing text instead of choices is an ending.

Loading checks the whole graph: every ``next`` names a node, every node can be reached from the start, and from
every node some ending can still be reached (loops are allowed as long as a way out remains). A problem is a
:class:`ScenarioError` naming the file, the node and the choice::

    python -m ipt_lib.scenarios check data/scenarios     # validate and list the scenarios (or: ipt_lib.roleplay)

Playing a scenario is :class:`ipt_lib.roleplay.Session`.
"""

from __future__ import annotations

import difflib
import re
import sys
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
    "Scenario", "Node", "Choice", "ScenarioError", "load_scenario", "load_scenarios", "find_scenario",
    "default_folder", "QUALITIES", "MIN_CHOICES", "MAX_CHOICES", "SCHEMA",
]

QUALITIES = ("good", "acceptable", "poor")
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


# --- reading a file ----------------------------------------------------------------------

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


CORPUS = Corpus("scenario", "scenarios", "scenarios", "ipt_lib.scenarios", ScenarioError, _validate,
                make_error=lambda path, name, problem: ScenarioError(path, problem, field_name=(
                    None if name.startswith("(") else name)),
                toml_error=_toml_error)


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
