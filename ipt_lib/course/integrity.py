"""Structure checks on submissions: what a student changed that they should not have.

Compared with the released notebook: deleted, duplicated, reordered or retyped grade and test
cells; edited test or locked cells; changed cell ids or nbgrader metadata; a changed kernel; extra
notebooks; a renamed notebook.  nbgrader restores what it can at autograde (locked cells, deleted
grade cells, the kernelspec); a renamed notebook is restored here under its released name.  Every
finding is reported to the instructor by student, notebook and cell.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Finding:
    student: str
    notebook: str
    cell: str
    kind: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.notebook}:{self.cell}" if self.cell else self.notebook
        return f"{where}: {self.kind} ({self.detail})"


def _nb_meta(cell) -> dict:
    return dict(cell.metadata.get("nbgrader", {}))


def _comparable(meta: dict) -> dict:
    return {k: v for k, v in meta.items() if k not in {"checksum", "cell_type"}}


def inspect_notebook(student: str, name: str, released: nbformat.NotebookNode,
                     submitted: nbformat.NotebookNode) -> list[Finding]:
    found: list[Finding] = []

    def add(cell: str, kind: str, detail: str) -> None:
        found.append(Finding(student, name, cell, kind, detail))

    ref = {_nb_meta(c).get("grade_id"): c for c in released.cells if _nb_meta(c).get("grade_id")}
    seen: dict[str, list] = {}
    for cell in submitted.cells:
        grade_id = _nb_meta(cell).get("grade_id")
        if grade_id:
            seen.setdefault(grade_id, []).append(cell)
    by_cell_id = {c.get("id"): c for c in released.cells}
    for grade_id, original in ref.items():
        meta = _nb_meta(original)
        copies = seen.get(grade_id, [])
        protected = meta.get("locked") or (meta.get("grade") and not meta.get("solution"))
        if not copies:
            same_id = by_cell_id.get(original.get("id"))
            twin = next((c for c in submitted.cells if c.get("id") == original.get("id")), None)
            if twin is not None and same_id is not None:
                add(grade_id, "nbgrader metadata removed", "the cell is there but no longer marked for grading")
            elif protected or meta.get("solution"):
                add(grade_id, "deleted", "restored from the release at autograde" if meta.get("grade") or
                    meta.get("locked") else "the answer is missing")
            continue
        if len(copies) > 1:
            add(grade_id, "duplicated", f"{len(copies)} copies; nbgrader grades the last copy, restored from the release")
        cell = copies[-1]
        if cell.cell_type != original.cell_type:
            add(grade_id, "retyped", f"{original.cell_type} -> {cell.cell_type}")
        if protected and cell.source.strip() != original.source.strip():
            add(grade_id, "edited", "a locked or test cell was changed; restored at autograde")
        if _comparable(_nb_meta(cell)) != _comparable(meta):
            changed = sorted(k for k in set(_comparable(meta)) | set(_comparable(_nb_meta(cell)))
                             if _nb_meta(cell).get(k) != meta.get(k))
            add(grade_id, "metadata changed", ", ".join(changed))
        if cell.get("id") != original.get("id"):
            add(grade_id, "cell id changed", f"{original.get('id')} -> {cell.get('id')}")
    order = [g for g in (_nb_meta(c).get("grade_id") for c in submitted.cells) if g in ref]
    expected = [g for g in ref if g in order]
    deduped = list(dict.fromkeys(order))
    if deduped != expected:
        add("", "reordered", "graded cells are not in the released order")
    if submitted.metadata.get("kernelspec", {}).get("name") != released.metadata.get("kernelspec", {}).get("name"):
        add("", "kernel changed", f"{submitted.metadata.get('kernelspec', {}).get('name')!r}; "
            "restored at autograde")
    return found


def inspect_submission(student: str, released_dir: Path, submitted_dir: Path, *, restore: bool = True) -> list[Finding]:
    """Compare one student's submitted folder with the release; restore a renamed notebook."""
    found: list[Finding] = []
    released = sorted(p.name for p in released_dir.glob("*.ipynb"))
    submitted = sorted(p.name for p in submitted_dir.glob("*.ipynb"))
    extra = [n for n in submitted if n not in released]
    missing = [n for n in released if n not in submitted]
    for name in missing:
        if len(extra) == 1 and len(missing) == 1:
            found.append(Finding(student, name, "", "renamed",
                                 f"submitted as {extra[0]!r}; graded under its released name"))
            if restore:
                shutil.copy2(submitted_dir / extra[0], submitted_dir / name)
                submitted.append(name)
            extra = []
        else:
            found.append(Finding(student, name, "", "missing notebook", "scored zero"))
    for name in extra:
        found.append(Finding(student, name, "", "extra notebook", "not graded"))
    for name in released:
        if (submitted_dir / name).exists():
            try:
                nb = nbformat.read(submitted_dir / name, as_version=4)
            except Exception as exc:  # noqa: BLE001 - a broken file is a finding, not a crash
                found.append(Finding(student, name, "", "unreadable notebook", type(exc).__name__))
                continue
            found += inspect_notebook(student, name, nbformat.read(released_dir / name, as_version=4), nb)
    return found


def write_report(findings: list[Finding], path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["student", "notebook", "cell", "kind", "detail"])
        writer.writeheader()
        for f in findings:
            writer.writerow(asdict(f))
    return path
