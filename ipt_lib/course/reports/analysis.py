"""Item analysis of an assignment: scores from the nbgrader gradebook, answers re-read from the submitted
notebooks as the grader reads them, and the statistics of classical test theory (see ``ipt_lib.course.reports``).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ...grading import RULES, Rule
from ...grading.cell_text import static_literal
from ..sealing import keyed_checks

EASY, HARD = 0.9, 0.3          # difficulty above EASY is "too easy", below HARD "too hard"
MIN_STUDENTS = 3               # fewer students: discrimination is not computed
STABLE_STUDENTS = 20           # fewer students: the report says the statistics are descriptive only
BLANK, UNREADABLE = "blank", "unreadable"
_BLANK_CHARS = " \t\n.\u2026"

FLAG_TEXT = {
    "too easy": (f"more than {EASY:.0%} of the available points were earned, so the item tells strong and weak "
                 "students apart very little. Keep it if it checks something every student must know; otherwise "
                 "make the distinction it asks for finer."),
    "too hard": (f"less than {HARD:.0%} of the available points were earned. Check the key first, then the wording, "
                 "then whether the class was taught what the item asks."),
    "negatively discriminating": ("students who did well on the other items did worse on this one than students who "
                                  "did poorly. Check the key first (a wrong key is the usual cause), then whether the "
                                  "wording misleads careful readers."),
}


@dataclass(frozen=True)
class Distribution:
    """Scores of the class on one part of the assignment (total, autograded or manually graded)."""

    label: str
    values: tuple[float, ...]
    max_possible: float
    pending: int = 0  # submissions whose manual grading is not finished (left out of ``values``)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.values) if self.values else None

    @property
    def sd(self) -> float | None:
        return statistics.stdev(self.values) if len(self.values) >= 2 else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None


@dataclass(frozen=True)
class ItemStats:
    """One autograded item: how hard it was and how well it separates students."""

    item: str
    max_points: float
    n: int
    mean: float
    difficulty: float
    discrimination: float | None
    note: str  # why discrimination is n/a, or which coefficient it is
    flags: tuple[str, ...]
    vignette: str = ""  # the vignette id behind a classification item (assignment 1)

    @property
    def discrimination_text(self) -> str:
        return "n/a" if self.discrimination is None else f"{self.discrimination:.2f}"


@dataclass(frozen=True)
class Confusion:
    """Key class (rows) against answered class (columns) over all classification items of one kind."""

    kind: str                      # "problem area" or "dispute stage"
    rows: tuple[str, ...]          # key classes
    columns: tuple[str, ...]       # answered classes, then "unreadable" and "blank"
    counts: tuple[tuple[int, ...], ...]

    @property
    def total(self) -> int:
        return sum(map(sum, self.counts))

    @property
    def correct(self) -> int:
        return sum(self.counts[i][self.columns.index(r)] for i, r in enumerate(self.rows))


@dataclass(frozen=True)
class VignetteConfusion:
    """How one classification item was answered: right, another class (which), unreadable or blank."""

    item: str
    vignette: str
    key: str
    answers: tuple[tuple[str, int], ...]  # answered class -> count, most frequent first

    @property
    def n(self) -> int:
        return sum(c for _, c in self.answers)

    @property
    def correct(self) -> int:
        return dict(self.answers).get(self.key, 0)

    @property
    def wrong_classes(self) -> tuple[tuple[str, int], ...]:
        return tuple((a, c) for a, c in self.answers if a not in (self.key, UNREADABLE, BLANK))


@dataclass
class ItemAnalysis:
    assignment: str
    students: tuple[str, ...] = ()
    total: Distribution | None = None
    auto: Distribution | None = None
    manual: Distribution | None = None
    items: list[ItemStats] = field(default_factory=list)
    confusion: list[Confusion] = field(default_factory=list)
    vignettes: list[VignetteConfusion] = field(default_factory=list)
    manual_items: tuple[str, ...] = ()
    late: int = 0
    message: str = ""  # set when there is nothing to analyse

    @property
    def n(self) -> int:
        return len(self.students)

    @property
    def most_confused(self) -> list[VignetteConfusion]:
        """Classification items answered with another class at least once, most often mistaken first."""
        confused = [v for v in self.vignettes if v.wrong_classes]
        return sorted(confused, key=lambda v: (-sum(c for _, c in v.wrong_classes), v.correct / max(v.n, 1), v.item))


def corrected_item_total(item: list[float], rest: list[float]) -> tuple[float | None, str]:
    """Pearson's r between an item and the total of the other items, or (None, reason in plain words)."""
    n = len(item)
    if n < MIN_STUDENTS:
        return None, f"fewer than {MIN_STUDENTS} students ({n})"
    if len(set(item)) == 1:
        return None, f"no variance: every student scored {item[0]:g} on this item"
    if len(set(rest)) == 1:
        return None, "no variance in the other items: every student has the same total on them"
    # statistics.correlation raises on a constant side: the two checks above give the reason in words instead.
    return statistics.correlation(item, rest), ""


def flags(difficulty: float, discrimination: float | None) -> tuple[str, ...]:
    flags = []
    if difficulty > EASY:
        flags.append("too easy")
    if difficulty < HARD:
        flags.append("too hard")
    # Judged at the two decimals the report shows: a discrimination printed as -0.00 is not negative.
    if discrimination is not None and round(discrimination, 2) < 0:
        flags.append("negatively discriminating")
    return tuple(flags)


def _natural(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def tabulated_rules() -> dict[str, Rule]:
    """The grading rules whose answers a confusion matrix counts, by what the report calls one class."""
    return {rule.kind: rule for rule in RULES.values() if rule.tabulates is not None}


def item_analysis(course_dir: Path, assignment: str, vignette_ids: dict[str, str] | None = None) -> ItemAnalysis:
    """Analyse ``assignment`` from the course's gradebook (nbgrader's db_url) and ``course_dir/submitted``.

    ``vignette_ids`` names the vignette behind each classification item (item -> vignette id); by default
    ``vignette_ids_for(assignment, course_dir)``. Works for any number of submissions; with none, the result carries a
    ``message`` and no statistics.
    """
    from nbgrader.api import MissingEntry

    from ..gradebook import describe, open_gradebook

    course_dir = Path(course_dir)
    with open_gradebook(course_dir) as gb:
        try:
            record = gb.find_assignment(assignment)
        except MissingEntry:
            known = ", ".join(a.name for a in gb.assignments) or "none"
            raise ValueError(f"{assignment!r} is not in the gradebook {describe(str(gb.db.bind.url))} "
                             f"(assignments there: {known}).") from None
        notebooks = sorted(nb.name for nb in record.notebooks)
        single = len(notebooks) == 1
        key_of = (lambda nb, name: name) if single else (lambda nb, name: f"{nb}/{name}")
        auto_items: dict[str, float] = {}
        manual_items: dict[str, float] = {}
        keyed: dict[str, tuple[str, str, str, str]] = {}  # item -> (kind, notebook, answer name, key label)
        for nb in record.notebooks:
            solutions = {c.name for c in nb.solution_cells}
            order = _cell_order(course_dir, assignment, nb.name)
            cells = sorted(list(nb.grade_cells) + list(nb.task_cells),
                           key=lambda c: (order.get(c.name, len(order)), _natural(c.name)))
            for cell in cells:
                item = key_of(nb.name, cell.name)
                automatic = getattr(cell, "cell_type", None) == "code" and cell.name not in solutions \
                    and cell in nb.grade_cells
                (auto_items if automatic else manual_items)[item] = float(cell.max_score)
                if automatic:
                    try:
                        source = gb.find_source_cell(cell.name, nb.name, assignment).source
                    except MissingEntry:
                        continue
                    for function, name, *args in keyed_checks(source):
                        rule = RULES[function]
                        if rule.tabulates is not None and args and isinstance(args[0], str):
                            keyed[item] = (rule.kind, nb.name, name, args[0])
        rows = []
        for sub in gb.assignment_submissions(assignment):
            scores, pending = {}, False
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores[key_of(nb.name, grade.name)] = float(grade.score)
                    if grade.needs_manual_grade:
                        pending = True
            rows.append((sub.student.id, scores, pending, sub.total_seconds_late > 0))
    rows.sort(key=lambda r: r[0])
    analysis = ItemAnalysis(assignment, students=tuple(r[0] for r in rows), manual_items=tuple(manual_items))
    if not rows:
        analysis.message = (f"No submissions of {assignment} in the gradebook yet, so there is nothing to analyse. "
                            "Collect and autograde the submissions, then run the report again.")
        return analysis

    auto_max, manual_max = sum(auto_items.values()), sum(manual_items.values())
    autos = [sum(s.get(i, 0.0) for i in auto_items) for _, s, _, _ in rows]
    analysis.auto = Distribution("Autograded", tuple(autos), auto_max)
    graded = [sum(s.get(i, 0.0) for i in manual_items) for _, s, p, _ in rows if not p]
    pending = sum(1 for r in rows if r[2])
    if manual_items:
        analysis.manual = Distribution("Graded by hand", tuple(graded), manual_max, pending)
    totals = [a + sum(s.get(i, 0.0) for i in manual_items) for a, (_, s, p, _) in zip(autos, rows) if not p]
    analysis.total = Distribution("Total", tuple(totals), auto_max + manual_max, pending)
    analysis.late = sum(1 for r in rows if r[3])

    if vignette_ids is None:
        vignette_ids = vignette_ids_for(assignment, course_dir)
    for item, max_points in auto_items.items():
        values = [s.get(item, 0.0) for _, s, _, _ in rows]
        rest = [a - v for a, v in zip(autos, values)]
        mean = statistics.fmean(values)
        difficulty = mean / max_points if max_points else 0.0
        if len(auto_items) < 2:
            r, note = None, "no other autograded item to correlate with"
        else:
            r, note = corrected_item_total(values, rest)
        if r is not None:
            binary = set(values) <= {0.0, max_points}
            note = "point-biserial (item scored 0 or full marks)" if binary else "corrected item-total (Pearson)"
        analysis.items.append(ItemStats(item, max_points, len(values), mean, difficulty, r, note,
                                        flags(difficulty, r), vignette_ids.get(item, "")))

    if keyed:
        answers = read_answers(course_dir, assignment, [r[0] for r in rows], keyed)
        analysis.confusion, analysis.vignettes = _tabulate(keyed, answers, vignette_ids)
    return analysis


def _cell_order(course_dir: Path, assignment: str, notebook: str) -> dict[str, int]:
    """grade_id -> position in the instructor's source notebook (empty when the source is not there)."""
    import nbformat

    path = course_dir / "source" / assignment / f"{notebook}.ipynb"
    if not path.exists():
        return {}
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - order is cosmetic; fall back to natural order
        return {}
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    return {gid: i for i, gid in enumerate(ids) if gid}


def vignette_ids_for(assignment: str, course_dir: Path) -> dict[str, str]:
    """Item -> the vignette id behind it, for an assignment whose items are vignettes (the registry says which)."""
    from ..registry import find

    spec = find(assignment)
    return spec.item_vignettes(course_dir) if spec and spec.item_vignettes else {}


def read_answers(course_dir: Path, assignment: str, students: list[str],
                 keyed: dict[str, tuple[str, str, str, str]]) -> dict[str, dict[str, str]]:
    """item -> student -> answered class (or "unreadable" / "blank"), read from the submitted notebook's answer
    cell *text* as the grader reads it (the rule's ``read``, then its enum's parser)."""
    import nbformat

    rules = tabulated_rules()
    found: dict[str, dict[str, str]] = {item: {} for item in keyed}
    cache: dict[tuple[str, str], dict | None] = {}
    for student in students:
        for item, (kind, notebook, name, _key) in keyed.items():
            if (student, notebook) not in cache:
                cache[(student, notebook)] = None
                for folder in ("submitted", "autograded"):
                    path = course_dir / folder / student / assignment / f"{notebook}.ipynb"
                    if path.exists():
                        try:
                            nb = nbformat.read(path, as_version=4)
                        except Exception:  # noqa: BLE001 - a broken notebook counts as unreadable, never stops
                            cache[(student, notebook)] = {}
                            break
                        cache[(student, notebook)] = {c.metadata.get("nbgrader", {}).get("grade_id"): c.source
                                                      for c in nb.cells if c.get("cell_type") == "code"}
                        break
            cells = cache[(student, notebook)]
            if cells is None:  # no notebook at all
                found[item][student] = BLANK
                continue
            source = cells.get(f"{name}_answer")
            if source is None:
                found[item][student] = BLANK if cells else UNREADABLE
                continue
            text, problem = rules[kind].read(source, name)
            if text is None:
                value, _ = static_literal(source, name)
                not_set = problem.startswith("the answer cell does not set")
                found[item][student] = BLANK if (value is Ellipsis or not_set) else UNREADABLE
                continue
            if not text.strip(_BLANK_CHARS):
                found[item][student] = BLANK
                continue
            try:
                found[item][student] = rules[kind].tabulates.parse(text).value
            except ValueError:
                found[item][student] = UNREADABLE
    return found



def _tabulate(keyed, answers, vignette_ids) -> tuple[list[Confusion], list[VignetteConfusion]]:
    classes = {kind: rule.tabulates for kind, rule in tabulated_rules().items()}
    confusions, vignettes = [], []
    for kind in dict.fromkeys(k for k, *_ in keyed.values()):
        labels = tuple(m.value for m in classes[kind])
        columns = labels + (UNREADABLE, BLANK)
        counts = [[0] * len(columns) for _ in labels]
        parse = classes[kind].parse
        for item, (item_kind, _nb, _name, key) in keyed.items():
            if item_kind != kind:
                continue
            try:
                key_label = parse(key).value
            except ValueError:
                continue  # a key that does not parse is the grader's problem; it scores zero with a message
            tally = Counter(answers[item].values())
            for answered, count in tally.items():
                counts[labels.index(key_label)][columns.index(answered)] += count
            ordered = tuple(sorted(tally.items(), key=lambda kv: (-kv[1], kv[0])))
            vignettes.append(VignetteConfusion(item, vignette_ids.get(item, ""), key_label, ordered))
        confusions.append(Confusion(kind, labels, columns, tuple(map(tuple, counts))))
    return confusions, vignettes


