"""The item analysis of fidelity ratings (assignment 7): per excerpt and dimension, how far the class's scores sit
from the key. For instructors only: the rows name the key's score.

Each student's rating is read from the submitted answer cell's text as the grader reads it (``RATING.read``),
never by running it; the key comes from the gradebook's copy of the hidden check.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from ...fidelity import DIMENSIONS, SCORES
from ...grading.ratings import RATING, RULE


@dataclass(frozen=True)
class DimensionDistance:
    """One dimension of one rated excerpt over the class."""

    item: str
    excerpt: str
    dimension: str
    key: int
    offsets: tuple[int, ...]   # rating - key, for each student whose score could be read
    unread: int                # students with no readable score on this dimension

    @property
    def n(self) -> int:
        return len(self.offsets)

    @property
    def mean_offset(self) -> float | None:
        return statistics.fmean(self.offsets) if self.offsets else None

    @property
    def mean_distance(self) -> float | None:
        return statistics.fmean(abs(o) for o in self.offsets) if self.offsets else None

    @property
    def within_tolerance(self) -> int:
        return sum(1 for o in self.offsets if abs(o) <= RULE.tolerance)

    @property
    def missed_lapse(self) -> int:
        """Scores above the lapse line where the key's is at or below it: the rater did not see the lapse."""
        return sum(1 for o in self.offsets if self.key <= RULE.lapse_line < self.key + o)


def _answer_sources(course_dir: Path, student: str, assignment: str, notebook: str) -> dict[str, str]:
    import nbformat

    for folder in ("submitted", "autograded"):
        path = course_dir / folder / student / assignment / f"{notebook}.ipynb"
        if path.exists():
            try:
                nb = nbformat.read(path, as_version=4)
            except Exception:  # noqa: BLE001 - a broken notebook counts as unread, never stops the report
                return {}
            return {c.metadata.get("nbgrader", {}).get("grade_id"): c.source for c in nb.cells
                    if c.get("cell_type") == "code"}
    return {}


def rating_distances(course_dir: Path, assignment: str, students: list[str],
                     rated: dict[str, tuple[str, str, str, dict]]) -> list[DimensionDistance]:
    """``rated``: item -> (notebook, answer name, excerpt id, key literal) from the hidden checks."""
    course_dir = Path(course_dir)
    out = []
    sources = {(s, nb): _answer_sources(course_dir, s, assignment, nb) for s in students
               for nb in {r[0] for r in rated.values()}}
    for item, (notebook, name, excerpt_id, key) in rated.items():
        values = []
        for student in students:
            source = sources[(student, notebook)].get(f"{name}_answer")
            value, problem = RATING.read(source, name) if source is not None else (None, "missing")
            values.append(value if not problem and isinstance(value, dict) else {})
        for dimension in DIMENSIONS:
            if dimension not in key:
                continue
            wanted = int(key[dimension][0])
            offsets, unread = [], 0
            for value in values:
                entry = value.get(dimension)
                score = entry[0] if isinstance(entry, (tuple, list)) and len(entry) == 2 else None
                if isinstance(score, int) and not isinstance(score, bool) and score in SCORES:
                    offsets.append(score - wanted)
                else:
                    unread += 1
            out.append(DimensionDistance(item, excerpt_id, dimension, wanted, tuple(offsets), unread))
    return out
