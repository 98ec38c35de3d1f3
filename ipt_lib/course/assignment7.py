"""Assignment 7 (fidelity and the therapist's reply): its notebook and the files it ships, built from data/fidelity
and data/drills.

Part A calibrates: the rating form, the practice excerpt F01 rated with immediate feedback by the grading rule
(``ipt_lib.grading.ratings``; F01's key is public), then its key and a worked rating. Part B rates three graded
excerpts, the same three for every student, each an answer cell (a dict literal, read by the grader with ``ast``),
a visible format check and a hidden keyed check (``assert_rating``) that ``StaticAnswerGrader`` re-does from the
gradebook's copy, so the keys never reach a kernel. Part C is four drills, each a Markdown answer graded by hand
with its rubric and a self-check of format the student runs; the rubric and the model replies sit in the answer
cell's hidden-test region (nbgrader keeps it in the gradebook and takes it out of release/) and are inserted after
the student's reply at autograde (``preprocessors.ShowDrillRubrics``), so the grader sees them in Formgrader and the
student in feedback only.

Which excerpts and drills a term uses is set in data/assignments/a7_fidelity/term.toml (:func:`read_term`), checked
before anything is built: an instructor who adds an excerpt or a drill as data files names it there.

Why three fixed excerpts (of seven) this term: each takes 15-20 minutes to read and rate; F02 (grief, initial
phase: advice before exploration, a missed risk cue), F03 (role transition, middle: CBT techniques, no mood-event
link) and F05 (role dispute, ending: no time-limit reminder, the focus lost) cover three areas, the three phases and
six of the seven lapse kinds; and one set for the whole class lets the item analysis compare every student's
ratings with the same key. F04, F06 and F07 stay unused for a later term or a resit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

import nbformat

from .cells import SHOWN_AFTER_GRADING, assignment_data, code, keyed_test, md, notebook, prose, repo_root

ASSIGNMENT = "a7_fidelity"
NOTEBOOK = "fidelity.ipynb"
CASES = "fidelity.json"
DRILLS_FILE = "drills.json"
TERM = "term.toml"  # in data/assignments/a7_fidelity/: which excerpts and drills this term uses
RATING_POINTS = 15
DRILL_POINTS = 3


class TermError(ValueError):
    """term.toml is unreadable, or names a choice that breaks a rule; the message names the file and the rule."""


@dataclass(frozen=True)
class Term:
    """This term's choice: the practice excerpt, the graded excerpts and the drills, in the order students meet them."""

    practice: str
    graded: tuple[str, ...]
    drills: tuple[str, ...]
    without_risk_drill: str = ""  # why no risk drill is in this term's set ("" when one is)


_TERM_FIELDS = ("practice", "graded", "drills", "without_risk_drill")


def _ids(path: Path, raw: dict, name: str) -> tuple[str, ...]:
    value = raw.get(name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        example = '["F02", "F03", "F05"]' if name == "graded" else '["D01", "D02", "D03"]'
        raise TermError(f"{path}: '{name}' must be a list of ids in quotes, for example {name} = {example}; "
                        f"got {value!r}")
    return tuple(v.strip() for v in value)


def check_term(choice: Term, excerpts: Mapping[str, str], drills: Mapping[str, object]) -> list[str]:
    """Every rule ``choice`` breaks, as sentences an instructor can act on ([] when none). ``excerpts`` maps each
    excerpt id in data/fidelity to its use (practice or graded); ``drills`` maps each drill id in data/drills to its
    key (``drill_feedback.DrillKey``)."""
    problems = []
    if choice.practice not in excerpts:
        problems.append(f"practice names {choice.practice}, which data/fidelity does not have "
                        f"(it has {', '.join(sorted(excerpts))})")
    elif excerpts[choice.practice] != "practice":
        problems.append(f"{choice.practice} is a graded excerpt: the practice excerpt's key is shown to students, "
                        "so it must have use = \"practice\"")
    for label, ids, known, folder in (("graded", choice.graded, excerpts, "data/fidelity"),
                                      ("drills", choice.drills, drills, "data/drills")):
        unknown = [i for i in ids if i not in known]
        if unknown:
            problems.append(f"{label} names {', '.join(unknown)}, which {folder} does not have "
                            f"(it has {', '.join(sorted(known))})")
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            problems.append(f"{', '.join(twice)} appears more than once in {label}")
    for excerpt_id in choice.graded:
        if excerpts.get(excerpt_id) == "practice":
            problems.append(f"{excerpt_id} is a practice excerpt: its key is shown to students, so it cannot be graded")
    if choice.practice in choice.graded:
        problems.append(f"{choice.practice} is both the practice excerpt and a graded one")
    chosen = [drills[d] for d in choice.drills if d in drills]
    for key in chosen:
        if key.rubric.total != DRILL_POINTS:
            problems.append(f"{key.drill.id}'s rubric is out of {key.rubric.total} points; every drill here is worth "
                            f"{DRILL_POINTS} (set points.total = {DRILL_POINTS} in its [rubric])")
    risk = [key.drill.id for key in chosen if key.rubric.then]
    if not risk and not choice.without_risk_drill.strip() and len(chosen) == len(choice.drills):
        offered = sorted(d for d, key in drills.items() if key.rubric.then)
        problems.append("no risk drill is chosen (a drill whose rubric lists the safety steps that must follow, "
                        f"such as {', '.join(offered) or 'D03'}): add one to drills, or say why in "
                        "without_risk_drill = \"...\"")
    return problems


def read_term(root: Path | None = None) -> Term:
    """This term's choice from term.toml, checked against data/fidelity and data/drills (a TermError if not)."""
    import tomllib

    from ..drills import DrillDataError
    from ..fidelity import FidelityDataError, load_excerpts
    from .drill_feedback import load_drill_keys

    root = root or repo_root()
    path = assignment_data(root, ASSIGNMENT) / TERM
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TermError(f"{path}: no such file; it names this term's excerpts and drills (see the README, "
                        "\"Adding an excerpt or a drill\")") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TermError(f"{path}: {exc}") from None
    unknown = sorted(set(raw) - set(_TERM_FIELDS))
    if unknown:
        raise TermError(f"{path}: unknown field '{unknown[0]}'; the fields are {', '.join(_TERM_FIELDS)}")
    practice, why = raw.get("practice"), raw.get("without_risk_drill", "")
    if not isinstance(practice, str) or not practice.strip():
        raise TermError(f"{path}: 'practice' must be one excerpt id in quotes, for example practice = \"F01\"; "
                        f"got {practice!r}")
    if not isinstance(why, str):
        raise TermError(f"{path}: 'without_risk_drill' must be a sentence in quotes, got {why!r}")
    choice = Term(practice.strip(), _ids(path, raw, "graded"), _ids(path, raw, "drills"), why)
    fidelity, drill_folder = _folders(root)
    try:
        excerpts = {e.id: e.use for e in load_excerpts(fidelity)}
        drills = load_drill_keys(drill_folder)
    except (FidelityDataError, DrillDataError) as exc:
        raise TermError(f"{path}: the choice cannot be checked, a data file is wrong: {exc}") from None
    problems = check_term(choice, excerpts, drills)
    if problems:
        raise TermError(f"{path}: this term's choice breaks the rules:\n- " + "\n- ".join(problems))
    return choice


@lru_cache(maxsize=None)
def _checkout_term() -> Term:
    return read_term(repo_root())


class _Manual(Mapping):
    """The hand-graded cells, {"D01_answer": 3, ...}, read from the checkout's term.toml when first asked for (the
    registry is imported by every command; only the ones that use Assignment 7 need its term file)."""

    def _cells(self) -> dict[str, float]:
        return {f"{d}_answer": DRILL_POINTS for d in _checkout_term().drills}

    def __getitem__(self, key):
        return self._cells()[key]

    def __iter__(self):
        return iter(self._cells())

    def __len__(self):
        return len(self._cells())

    def __repr__(self):
        return repr(self._cells())


MANUAL = _Manual()


def __getattr__(name: str):
    """PRACTICE_ID, GRADED_IDS and DRILL_IDS: the checkout's term.toml, as the builder reads it."""
    fields = {"PRACTICE_ID": "practice", "GRADED_IDS": "graded", "DRILL_IDS": "drills"}
    if name in fields:
        return getattr(_checkout_term(), fields[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def rating_name(excerpt_id: str) -> str:
    return f"rating_{excerpt_id.lower()}"


def _folders(root: Path) -> tuple[Path, Path]:
    return root / "data" / "fidelity", root / "data" / "drills"


def answer_key(root: Path | None = None) -> dict:
    """Instructor-only: {"rating_f02": {dimension: (score, [turns])}, ...} for the graded excerpts."""
    from .fidelity_key import load_key

    root = root or repo_root()
    fidelity, _ = _folders(root)
    return {rating_name(e): load_key(fidelity / f"{e.lower()}.toml").rating.as_literal()
            for e in read_term(root).graded}


SETUP = f"""
# Set-up: run this cell first.
from ipt_lib.fidelity import load_public
from ipt_lib.drills import load_public as load_drills, check_saved_reply
from ipt_lib.grading import check_rating, practice_rating
excerpts = load_public("{CASES}")
drills = load_drills("{DRILLS_FILE}")
print("Excerpts:", ", ".join(e.id for e in excerpts.excerpts), "| Drills:", ", ".join(drills))
"""


def _stub(name: str, comment: str) -> str:
    from ..fidelity import DIMENSIONS

    rows = "".join(f'    "{d}": (..., [...]),\n' for d in DIMENSIONS)
    return f"# {comment}\n{name} = {{\n{rows}}}"


def _solution(name: str, rating: dict) -> str:
    rows = "".join(f'    "{d}": ({s}, {list(t)}),\n' for d, (s, t) in rating.items())
    return f"{name} = {{\n{rows}}}"


def _excerpt_cells(bundle, excerpt_id: str, key: dict) -> list:
    e = bundle.excerpt(excerpt_id)
    name = rating_name(excerpt_id)
    note = " The card opens with a content note." if e.content_note else ""
    cells = [
        md(f"{excerpt_id}-title", f"### {excerpt_id}: {e.title} ({RATING_POINTS} points)\n\n{e.client.name}, "
                                  f"{e.client.age}; {e.problem_area}, {e.phase} phase, session {e.session} of "
                                  f"{e.planned_sessions}.{note}"),
        code(f"{excerpt_id}-show", f'excerpts.excerpt("{excerpt_id}")', locked=True),
        code(f"{name}_answer", _stub(name, "Score 1-5 and one to four turns for each dimension.")
             + f"\n### BEGIN SOLUTION\n{_solution(name, key[name])}\n### END SOLUTION", solution=True),
        keyed_test(f"{name}_test", "Checks that your rating can be read (format only);\nwhether it is right is "
                   "checked at grading.", "check_rating", f"{name!r}, {excerpt_id!r}", "assert_rating",
                   f"{name!r}, {excerpt_id!r}, {max(e.turn_numbers)}, {key[name]!r}, {RATING_POINTS}",
                   points=RATING_POINTS),
    ]
    return cells


def _drill_cells(drill_key) -> list:
    from .drill_feedback import feedback_markdown

    d = drill_key.drill
    return [
        code(f"{d.id}-show", f'drills["{d.id}"]', locked=True),
        md(f"{d.id}-question", f"**Your reply to {d.id}** ({DRILL_POINTS} points, graded by your instructor with a "
                               "rubric): write the words you would say next in the cell below, then save.",
           locked=True),
        md(f"{d.id}_answer", f"### BEGIN SOLUTION\n{drill_key.models[0].reply}\n### END SOLUTION\n"
                             f"### BEGIN HIDDEN TESTS\n{SHOWN_AFTER_GRADING}\n\n{feedback_markdown(drill_key)}\n"
                             "### END HIDDEN TESTS", solution=True, grade=True, points=DRILL_POINTS),
        code(f"{d.id}-check", f'# Save the notebook first: the self-check reads the saved cell.\n'
                              f'check_saved_reply("{d.id}", "{NOTEBOOK}")'),
    ]


def build_notebook(root: Path, choice: Term | None = None) -> nbformat.NotebookNode:
    from ..fidelity import load_public_folder
    from ..grading.ratings import RULE
    from .drill_feedback import load_drill_key

    choice = choice or read_term(root)
    PRACTICE_ID, GRADED_IDS, DRILL_IDS = choice.practice, choice.graded, choice.drills  # noqa: N806
    text = partial(prose, root, ASSIGNMENT)
    fidelity, drills = _folders(root)
    bundle = load_public_folder(fidelity)
    key = answer_key(root)
    auto = RATING_POINTS * len(GRADED_IDS)
    manual = DRILL_POINTS * len(DRILL_IDS)
    per_dimension = RATING_POINTS / 5
    cells = [
        md("content-note", text("content-note")),
        md("intro", text("intro", total=auto + manual, auto=auto, manual=manual, part_b=auto,
                         excerpts=len(GRADED_IDS), per_excerpt=RATING_POINTS, drills=len(DRILL_IDS),
                         per_drill=DRILL_POINTS)),
        code("setup", SETUP, locked=True),
        md("part-a", text("part-a")),
        code("form-show", "excerpts.form", locked=True),
        md("practice", text("practice")),
        code(f"{PRACTICE_ID}-show", f'excerpts.excerpt("{PRACTICE_ID}")', locked=True),
        code("practice-answer", _stub(rating_name(PRACTICE_ID), "Your practice rating (not graded).")),
        code("practice-check", f'practice_rating("{rating_name(PRACTICE_ID)}", "{PRACTICE_ID}")'),
        md("practice-key", text("practice-key")),
        code("practice-key-show", f'excerpts.calibration("{PRACTICE_ID}")', locked=True),
        md("part-b", text("part-b", excerpts=len(GRADED_IDS), points=auto, per_excerpt=RATING_POINTS,
                          per_dimension=f"{per_dimension:g}", score_points=f"{RULE.score_points:g}",
                          near_points=f"{RULE.near_points:g}", lapse_line=RULE.lapse_line,
                          turn_points=f"{RULE.turn_points:g}")),
    ]
    for excerpt_id in GRADED_IDS:
        cells += _excerpt_cells(bundle, excerpt_id, key)
    cells.append(md("part-c", text("part-c", points=manual, per_drill=DRILL_POINTS)))
    for drill_id in DRILL_IDS:
        cells += _drill_cells(load_drill_key(drills / f"{drill_id.lower()}.toml"))
    cells.append(md("checklist", text("checklist")))
    return notebook(cells)


def build(root: Path | None = None) -> list[Path]:
    """source/a7_fidelity from data/ and this term's choice (term.toml); a bad choice stops before anything is
    written (a TermError naming the file and the rule)."""
    from .. import drills as drill_module
    from ..fidelity import load_public_folder, write_public

    root = root or repo_root()
    choice = read_term(root)
    fidelity, drills = _folders(root)
    bundle = load_public_folder(fidelity)
    nb = build_notebook(root, choice)
    folder = root / "source" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK)
    write_public(folder / CASES, bundle, ids=(choice.practice,) + choice.graded, name=ASSIGNMENT)
    by_id = {d.id: d for d in drill_module.load_drills(drills)}
    chosen = tuple(by_id[d] for d in sorted(choice.drills))  # the file lists them by id, as before
    drill_module.write_public(folder / DRILLS_FILE, chosen, name=ASSIGNMENT)
    return [folder / NOTEBOOK, folder / CASES, folder / DRILLS_FILE]
