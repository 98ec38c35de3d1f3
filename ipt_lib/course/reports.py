"""Item analysis of an assignment, for instructors: which items the class found easy or hard, which items
separate stronger from weaker students, and which vignettes were mistaken for which problem area.

Read from the nbgrader gradebook (scores) and the submitted notebooks (what each student answered), and written
as a self-contained HTML page (figures embedded as PNG) and a CSV with one row per autograded item::

    from ipt_lib.course.reports import item_analysis, write_reports
    analysis = item_analysis(Path("course"), "a1_problem_areas")
    write_reports(Path("course"), Path("course/reports"), ["a1_problem_areas"])

The HTML names the key areas in its confusion matrix: it is for instructors and stays in the course folder.
The CSV holds statistics only, never the key.

Definitions (classical test theory):
- difficulty: the proportion of the item's points the class earned (mean score / max points); 1 = everyone right.
- discrimination: the corrected item-total correlation, i.e. Pearson's r between the item's score and the total of
  the *other* autograded items (the point-biserial correlation when the item scores 0 or full marks). It is
  undefined ("n/a", with the reason) with fewer than 3 students or when either side has no variance.
"""

from __future__ import annotations

import base64
import csv
import datetime as _dt
import html
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ItemAnalysis", "ItemStats", "Distribution", "Confusion", "VignetteConfusion", "item_analysis",
           "write_html", "write_csv", "write_reports", "histogram_figure", "scatter_figure", "confusion_figure",
           "corrected_item_total", "EASY", "HARD", "MIN_STUDENTS"]

EASY, HARD = 0.9, 0.3          # difficulty above EASY is "too easy", below HARD "too hard"
MIN_STUDENTS = 3               # fewer students: discrimination is not computed
STABLE_STUDENTS = 20           # fewer students: the report says the statistics are descriptive only
BLANK, UNREADABLE = "blank", "unreadable"

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

# Classification checks whose answers can be tabulated: the check function -> the parser's enum.
_CLASSIFIED = {"assert_area": "problem area", "assert_stage": "dispute stage"}


# --- records ---------------------------------------------------------------------------------------------------

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


# --- statistics ------------------------------------------------------------------------------------------------

def corrected_item_total(item: list[float], rest: list[float]) -> tuple[float | None, str]:
    """Pearson's r between an item and the total of the other items, or (None, reason in plain words)."""
    n = len(item)
    if n < MIN_STUDENTS:
        return None, f"fewer than {MIN_STUDENTS} students ({n})"
    if len(set(item)) == 1:
        return None, f"no variance: every student scored {item[0]:g} on this item"
    if len(set(rest)) == 1:
        return None, "no variance in the other items: every student has the same total on them"
    mx, my = statistics.fmean(item), statistics.fmean(rest)
    sxy = sum((x - mx) * (y - my) for x, y in zip(item, rest))
    sxx = sum((x - mx) ** 2 for x in item)
    syy = sum((y - my) ** 2 for y in rest)
    return sxy / math.sqrt(sxx * syy), ""


def _flags(difficulty: float, discrimination: float | None) -> tuple[str, ...]:
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


# --- reading the gradebook and the submissions --------------------------------------------------------------------

def item_analysis(course_dir: Path, assignment: str) -> ItemAnalysis:
    """Analyse ``assignment`` from the course's gradebook (nbgrader's db_url) and ``course_dir/submitted``.

    Works for any number of submissions; with none, the result carries a ``message`` and no statistics.
    """
    from nbgrader.api import MissingEntry

    from .gradebook import describe, open_gradebook

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
                    from .preprocessors import keyed_checks

                    for function, name, *args in keyed_checks(source):
                        if function in _CLASSIFIED and args and isinstance(args[0], str):
                            keyed[item] = (_CLASSIFIED[function], nb.name, name, args[0])
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

    vignette_ids = _vignette_ids(assignment)
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
                                        _flags(difficulty, r), vignette_ids.get(item, "")))

    if keyed:
        answers = _read_answers(course_dir, assignment, [r[0] for r in rows], keyed)
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


def _vignette_ids(assignment: str) -> dict[str, str]:
    from . import assignment1

    if assignment != assignment1.ASSIGNMENT:
        return {}
    return {f"case_{i}_test": vid for i, vid in enumerate(assignment1.case_sets().graded, 1)}


def _read_answers(course_dir: Path, assignment: str, students: list[str],
                  keyed: dict[str, tuple[str, str, str, str]]) -> dict[str, dict[str, str]]:
    """item -> student -> answered class (or "unreadable" / "blank"), read from the submitted notebook's answer
    cell *text* as the grader reads it (``static_answer`` then the parser)."""
    import nbformat

    from ..problem_areas import DisputeStage, ProblemArea
    from .preprocessors import static_answer, static_literal

    parsers = {"problem area": ProblemArea.parse, "dispute stage": DisputeStage.parse}
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
            text, problem = static_answer(source, name)
            if text is None:
                value, _ = static_literal(source, name)
                not_set = problem.startswith("the answer cell does not set")
                found[item][student] = BLANK if (value is Ellipsis or not_set) else UNREADABLE
                continue
            if not text.strip(_BLANK_CHARS):
                found[item][student] = BLANK
                continue
            try:
                found[item][student] = parsers[kind](text).value
            except ValueError:
                found[item][student] = UNREADABLE
    return found


_BLANK_CHARS = " \t\n.\u2026"


def _tabulate(keyed, answers, vignette_ids) -> tuple[list[Confusion], list[VignetteConfusion]]:
    from ..problem_areas import DisputeStage, ProblemArea

    classes = {"problem area": ProblemArea, "dispute stage": DisputeStage}
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


# --- figures ---------------------------------------------------------------------------------------------------

def _new_figure(size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def histogram_figure(analysis: ItemAnalysis):
    """Histogram of the total scores, the class mean marked."""
    from ..plots import BLACK, BLUE, VERMILLION

    dist = analysis.total
    fig = _new_figure((6.4, 3.4))
    ax = fig.add_subplot()
    top = dist.max_possible or max(dist.values, default=1) or 1
    step = 1 if top <= 30 else math.ceil(top / 30)
    edges = [x * step - step / 2 for x in range(int(top // step) + 2)]
    ax.hist(dist.values, bins=edges, color=BLUE, edgecolor=BLACK, linewidth=0.8)
    if dist.values:
        ax.axvline(dist.mean, color=VERMILLION, linestyle="--", linewidth=1.6, label=f"mean {dist.mean:.1f}")
        ax.legend(frameon=False, loc="upper left")
    ax.set_xlim(-step, top + step)
    ax.set_xlabel(f"Total score (of {top:g})")
    ax.set_ylabel("Students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"{analysis.assignment}: total scores ({dist.n} students)", fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _item_label(item: ItemStats) -> str:
    label = item.item.removesuffix("_test")
    return f"{label} ({item.vignette})" if item.vignette else label


def scatter_figure(analysis: ItemAnalysis):
    """Difficulty (x) against discrimination (y), one labelled point per item; the flag zones hatched."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..plots import BLACK, BLUE, GREY, VERMILLION

    fig = _new_figure((7.2, 4.8))
    ax = fig.add_subplot()
    zone = dict(facecolor="#f0f0f0", edgecolor=GREY, linewidth=0)
    ax.axvspan(-0.05, HARD, hatch="//", **zone)
    ax.axvspan(EASY, 1.05, hatch="//", **zone)
    ax.axhspan(-1.05, 0, hatch="\\\\", facecolor="#fbe3d4", edgecolor=GREY, linewidth=0)
    ax.axhline(0, color=BLACK, linewidth=0.8)
    plotted = [i for i in analysis.items if i.discrimination is not None]
    groups: dict[tuple[float, float], list[ItemStats]] = {}
    for item in plotted:  # items on the same spot share one point and one label
        groups.setdefault((round(item.difficulty, 3), round(item.discrimination, 3)), []).append(item)
    for (x, y), items in groups.items():
        flagged = any(i.flags for i in items)
        ax.plot(x, y, marker="X" if flagged else "o", markersize=9, color=VERMILLION if flagged else BLUE,
                markeredgecolor=BLACK, linestyle="none")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel("Difficulty: proportion of points earned (1 = everyone right)")
    ax.set_ylabel("Discrimination (corrected item-total r)")
    ax.set_title(f"{analysis.assignment}: items", fontsize=11)
    handles = [Line2D([], [], marker="o", color=BLUE, markeredgecolor=BLACK, linestyle="none", label="no flag"),
               Line2D([], [], marker="X", color=VERMILLION, markeredgecolor=BLACK, linestyle="none",
                      label="flagged"),
               Patch(facecolor="#f0f0f0", edgecolor=GREY, hatch="//", label=f"too hard (<{HARD}) / too easy (>{EASY})"),
               Patch(facecolor="#fbe3d4", edgecolor=GREY, hatch="\\\\", label="negatively discriminating")]
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=4, frameon=False)
    fig.draw_without_rendering()  # settle the layout, then place labels where they stay
    fig.set_layout_engine("none")
    _place_labels(fig, ax, [((x, y), ", ".join(_item_label(i) for i in items)) for (x, y), items in groups.items()])
    return fig


def _place_labels(fig, ax, labels: list[tuple[tuple[float, float], str]]) -> None:
    """Put each label next to its point where it overlaps no other label or point (first free spot of a few)."""
    renderer = fig.canvas.get_renderer()
    points = [ax.transData.transform(xy) for xy, _ in labels]
    taken = [(px - 7, py - 7, px + 7, py + 7) for px, py in points]
    offsets = [(7, 5, "left"), (7, -13, "left"), (-7, 5, "right"), (-7, -13, "right"), (7, 17, "left"),
               (7, -25, "left"), (-7, 17, "right"), (-7, -25, "right"), (0, 29, "center"), (0, -37, "center")]
    for xy, text in sorted(labels, key=lambda item: (-item[0][1], item[0][0])):
        for dx, dy, ha in offsets:
            note = ax.annotate(text, xy, textcoords="offset points", xytext=(dx, dy), fontsize=8, ha=ha)
            box = note.get_window_extent(renderer)
            inside = ax.get_window_extent(renderer)
            clash = any(box.x0 < x1 and box.x1 > x0 and box.y0 < y1 and box.y1 > y0 for x0, y0, x1, y1 in taken)
            within = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            if within and not clash:
                break
            note.remove()
        else:
            note = ax.annotate(text, xy, textcoords="offset points", xytext=(7, 5), fontsize=8)
            box = note.get_window_extent(renderer)
        taken.append((box.x0, box.y0, box.x1, box.y1))


def confusion_figure(confusion: Confusion, assignment: str = ""):
    """The confusion matrix as a heatmap (cividis, colour-blind-safe) with the count written in each cell."""
    from matplotlib.patches import Rectangle

    from ..plots import BLACK

    rows, columns = confusion.rows, confusion.columns
    fig = _new_figure((1.35 * len(columns) + 2.6, 0.75 * len(rows) + 2.0))
    ax = fig.add_subplot()
    peak = max((max(r) for r in confusion.counts), default=0) or 1
    image = ax.imshow(confusion.counts, cmap="cividis", vmin=0, vmax=peak, aspect="auto")
    for i, row in enumerate(confusion.counts):
        for j, count in enumerate(row):
            light = image.cmap(count / peak)[:3]
            luminance = 0.2126 * light[0] + 0.7152 * light[1] + 0.0722 * light[2]
            ax.text(j, i, str(count), ha="center", va="center", fontsize=11,
                    color="black" if luminance > 0.5 else "white", fontweight="bold" if j == i else "normal")
        if rows[i] in columns:
            j = columns.index(rows[i])
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=BLACK, linewidth=2))
    ax.set_xticks(range(len(columns)), [c.replace(" ", "\n") for c in columns], fontsize=9)
    ax.set_yticks(range(len(rows)), rows, fontsize=9)
    ax.set_xlabel(f"Answered {confusion.kind}")
    ax.set_ylabel(f"Key {confusion.kind}")
    title = f"{assignment}: " if assignment else ""
    ax.set_title(f"{title}key vs answered {confusion.kind} ({confusion.correct} of {confusion.total} right; "
                 "boxed = right)", fontsize=10)
    fig.colorbar(image, ax=ax, label="answers", shrink=0.8)
    return fig


def _png_uri(fig) -> str:
    from ..plots import to_png

    return "data:image/png;base64," + base64.b64encode(to_png(fig, dpi=110)).decode("ascii")


# --- alt texts -------------------------------------------------------------------------------------------------

def _fmt(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None else format(x, spec)


def histogram_alt(analysis: ItemAnalysis) -> str:
    d = analysis.total
    counts = Counter(d.values)
    spread = ", ".join(f"{c} at {v:g}" for v, c in sorted(counts.items()))
    return (f"Histogram of the total scores of {d.n} students of {analysis.assignment}, out of {d.max_possible:g}: "
            f"{spread}. Mean {_fmt(d.mean, '.1f')}, median {_fmt(d.median, 'g')}.")


def scatter_alt(analysis: ItemAnalysis) -> str:
    shown = [i for i in analysis.items if i.discrimination is not None]
    parts = [f"{_item_label(i)}: difficulty {i.difficulty:.2f}, discrimination {i.discrimination:.2f}"
             + (f" ({', '.join(i.flags)})" if i.flags else "") for i in shown]
    missing = [_item_label(i) for i in analysis.items if i.discrimination is None]
    text = (f"Scatter plot of difficulty against discrimination for {len(shown)} items of {analysis.assignment}. "
            + "; ".join(parts) + ".")
    if missing:
        text += f" Not plotted (discrimination n/a): {', '.join(missing)}."
    return text


def confusion_alt(confusion: Confusion) -> str:
    parts = []
    for i, row in enumerate(confusion.counts):
        cells = ", ".join(f"{c} answered {col}" for c, col in zip(row, confusion.columns) if c)
        parts.append(f"key {confusion.rows[i]}: {cells or 'no answers'}")
    return (f"Heatmap of key {confusion.kind} (rows) against answered {confusion.kind} (columns), "
            f"{confusion.correct} of {confusion.total} answers right. " + "; ".join(parts) + ".")


# --- writers ---------------------------------------------------------------------------------------------------

CSV_COLUMNS = ["item", "max_points", "mean", "difficulty", "discrimination", "n", "flags", "note"]


def write_csv(analysis: ItemAnalysis, path: Path) -> Path:
    """One row per autograded item; statistics only (no key, no student answers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for i in analysis.items:
            writer.writerow([i.item, f"{i.max_points:g}", f"{i.mean:.3f}", f"{i.difficulty:.3f}",
                             "n/a" if i.discrimination is None else f"{i.discrimination:.3f}", i.n,
                             "; ".join(i.flags), i.note])
    return path


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #bbb;padding:.25rem .55rem;text-align:right}
th{background:#f2f2f2}td.l,th.l{text-align:left}caption{text-align:left;font-weight:600;padding:.3rem 0}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:.9rem;color:#333;margin-top:.3rem}.note{background:#fff7e0;border-left:4px solid #E69F00;
padding:.5rem .8rem}.flag{font-weight:600}.muted{color:#555;font-size:.9rem}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _figure_html(uri: str, alt: str, caption: str) -> str:
    return (f'<figure><img src="{uri}" alt="{_e(alt)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>")


def render_html(analysis: ItemAnalysis) -> str:
    a = analysis
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Item analysis: {_e(a.assignment)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Item analysis: {_e(a.assignment)}</h1>",
           f'<p class="muted">For instructors only: the confusion matrix names the key. Keep this page in the course '
           f"folder; it is not part of any student's feedback. Made {_dt.date.today().isoformat()} from the "
           "gradebook (scores before any late penalty) and the submitted notebooks.</p>"]
    if a.message:
        out += [f'<p class="note">{_e(a.message)}</p>', "</body></html>"]
        return "\n".join(out)
    out.append(f"<p>{a.n} submission{'s' if a.n != 1 else ''}: {_e(', '.join(a.students))}."
               + (f" {a.late} submitted late." if a.late else "") + "</p>")
    if a.n < STABLE_STUDENTS:
        out.append(f'<p class="note">With {a.n} student{"s" if a.n != 1 else ""}, these figures describe this group; '
                   f"they are not stable estimates of the items' quality (that needs about {STABLE_STUDENTS} or "
                   "more). Discrimination needs at least 3 students.</p>")
    out += ["<h2>How to read this</h2><ul>",
            "<li><b>Difficulty</b>: the share of the item's points the class earned (1.00 = everyone right).</li>",
            "<li><b>Discrimination</b>: how well the item separates students who did well on the rest of the "
            "assignment from those who did not: the correlation of the item with the total of the <i>other</i> "
            "autograded items (point-biserial when the item is right-or-wrong). Around 0.3 or more is good; "
            "near 0 the item does not separate; below 0 it points the wrong way.</li>",
            f"<li><b>Flags</b>: too easy (difficulty above {EASY}), too hard (below {HARD}), negatively "
            "discriminating (below 0). A flag is a reason to look at the item, not a verdict.</li></ul>"]

    out.append("<h2>Score distribution</h2>")
    out.append('<table><caption>Scores (pending: manual grading not finished, left out)</caption><tr>'
               '<th class="l">Part</th><th>n</th><th>pending</th><th>mean</th><th>SD</th><th>median</th>'
               "<th>min</th><th>max</th><th>of</th></tr>")
    for d in (a.total, a.auto, a.manual):
        if d is None:
            continue
        out.append(f'<tr><td class="l">{_e(d.label)}</td><td>{d.n}</td><td>{d.pending}</td><td>{_fmt(d.mean)}</td>'
                   f"<td>{_fmt(d.sd)}</td><td>{_fmt(d.median, 'g')}</td>"
                   f"<td>{_fmt(min(d.values, default=None), 'g')}</td>"
                   f"<td>{_fmt(max(d.values, default=None), 'g')}</td><td>{d.max_possible:g}</td></tr>")
    out.append("</table>")
    if a.total.values:
        out.append(_figure_html(_png_uri(histogram_figure(a)), histogram_alt(a),
                                "Figure 1. Total scores; the dashed line is the class mean."))
    elif a.total.pending:
        out.append(f"<p>No totals yet: {a.total.pending} submission(s) wait for manual grading.</p>")

    out.append("<h2>Autograded items</h2>")
    if not a.items:
        out.append("<p>This assignment has no autograded items.</p>")
    else:
        vig = any(i.vignette for i in a.items)
        out.append('<table><caption>One row per autograded item</caption><tr><th class="l">Item</th>'
                   + ('<th class="l">Vignette</th>' if vig else "")
                   + '<th>Points</th><th>n</th><th>Mean</th><th>Difficulty</th><th>Discrimination</th>'
                   '<th class="l">Flags</th><th class="l">Note</th></tr>')
        for i in a.items:
            out.append(f'<tr><td class="l">{_e(i.item)}</td>' + (f'<td class="l">{_e(i.vignette)}</td>' if vig else "")
                       + f"<td>{i.max_points:g}</td><td>{i.n}</td><td>{i.mean:.2f}</td><td>{i.difficulty:.2f}</td>"
                       f"<td>{_e(i.discrimination_text)}</td><td class=\"l flag\">{_e(', '.join(i.flags))}</td>"
                       f'<td class="l">{_e(i.note)}</td></tr>')
        out.append("</table>")
        if any(i.discrimination is not None for i in a.items):
            out.append(_figure_html(_png_uri(scatter_figure(a)), scatter_alt(a),
                                    "Figure 2. Difficulty against discrimination. Hatched: the flag zones. "
                                    "Items with discrimination n/a are not plotted (listed in the table)."))
        else:
            out.append("<p>No item has a discrimination value (see the notes in the table), so there is no "
                       "difficulty-discrimination plot.</p>")
        flagged = [i for i in a.items if i.flags]
        if flagged:
            out.append("<h3>Flagged items, in plain words</h3><ul>")
            for i in flagged:
                for flag in i.flags:
                    out.append(f"<li><b>{_e(_item_label(i))}</b> is {_e(flag)}: {_e(FLAG_TEXT[flag])}</li>")
            out.append("</ul>")
        else:
            out.append("<p>No item is flagged.</p>")
    if a.manual_items:
        out.append(f"<p class=\"muted\">Graded by hand (not in the item table): {_e(', '.join(a.manual_items))}.</p>")

    for k, confusion in enumerate(a.confusion, 3):
        out.append(f"<h2>Classification: key vs answered {_e(confusion.kind)}</h2>")
        out.append(f"<p>Every classification item pooled: each row is the key {_e(confusion.kind)}, each column what "
                   f"students answered (read from the answer cell's text as the grader reads it). "
                   f"<i>{UNREADABLE}</i>: an answer that is not one {_e(confusion.kind)} (a misspelling, two areas, a "
                   f"number, no quotes); <i>{BLANK}</i>: no answer. A right answer in a cell that stopped with an error or ran "
                   "out of time is counted here as answered, though it scored zero.</p>")
        out.append(_figure_html(_png_uri(confusion_figure(confusion, a.assignment)), confusion_alt(confusion),
                                f"Figure {k}. Key against answered {confusion.kind}; the boxed diagonal is right."))
        out.append(f'<table><caption>The same counts</caption><tr><th class="l">key \\ answered</th>'
                   + "".join(f"<th>{_e(c)}</th>" for c in confusion.columns) + "</tr>")
        for row, counts in zip(confusion.rows, confusion.counts):
            out.append(f'<tr><th class="l">{_e(row)}</th>' + "".join(f"<td>{c}</td>" for c in counts) + "</tr>")
        out.append("</table>")
    if a.vignettes:
        confused = a.most_confused
        out.append("<h3>Most confused vignettes</h3>")
        if not confused:
            out.append("<p>No item was answered with a wrong class.</p>")
        else:
            out.append('<table><caption>Items answered with another class, most often first</caption><tr>'
                       '<th class="l">Item</th><th class="l">Vignette</th><th class="l">Key</th><th>Right</th>'
                       '<th class="l">Answered instead</th><th>Unreadable</th><th>Blank</th></tr>')
            for v in confused:
                counts = dict(v.answers)
                instead = ", ".join(f"{c} \u00d7 {ans}" for ans, c in v.wrong_classes)
                out.append(f'<tr><td class="l">{_e(v.item.removesuffix("_test"))}</td><td class="l">{_e(v.vignette)}'
                           f'</td><td class="l">{_e(v.key)}</td><td>{v.correct}/{v.n}</td><td class="l">{_e(instead)}'
                           f"</td><td>{counts.get(UNREADABLE, 0)}</td><td>{counts.get(BLANK, 0)}</td></tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def write_html(analysis: ItemAnalysis, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(analysis), encoding="utf-8")
    return path


def write_reports(course_dir: Path, out_dir: Path | None = None,
                  assignments: list[str] | tuple[str, ...] | None = None) -> list[Path]:
    """``item-analysis-<assignment>.html`` and ``.csv`` for each assignment (default: every assignment in the
    gradebook) in ``out_dir`` (default: the course folder). Returns the paths written."""

    course_dir = Path(course_dir)
    out_dir = Path(out_dir) if out_dir is not None else course_dir
    if assignments is None:
        from .gradebook import open_gradebook

        with open_gradebook(course_dir) as gb:
            assignments = [a.name for a in gb.assignments]
    written = []
    for assignment in assignments:
        analysis = item_analysis(course_dir, assignment)
        written.append(write_html(analysis, out_dir / f"item-analysis-{assignment}.html"))
        written.append(write_csv(analysis, out_dir / f"item-analysis-{assignment}.csv"))
    return written
