"""Course data that is not secret, copied into the package so the lessons run from an installed wheel.

``ipt-course build`` writes ipt_lib/_data/: the synthetic caseload (data/cohort), the training bodies
(data/training) and a summary of the vignette corpus with public fields only (no text, no labels), and the course
bibliography (data/references.toml, also rendered as notebooks/references.md). A test
checks the copies are current. Graded labels, cues, rationales and keys are never copied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..vignettes import load_vignettes

CORPUS_FIELDS = ("id", "kind", "population", "age_band", "condition", "setting")


def corpus_summary_records(root: Path) -> list[dict]:
    return [{field: getattr(v, field) for field in CORPUS_FIELDS} for v in load_vignettes(root / "data" / "vignettes")]


def write_bibliography(root: Path) -> list[Path]:
    """The course bibliography: data/references.toml copied into the package, and rendered as
    notebooks/references.md, the list students open from the lessons (it ships with notebooks/)."""
    from ..references import parse_works, render_markdown

    source = root / "data" / "references.toml"
    works = parse_works(source)  # a malformed entry stops the build with file, work and field
    packaged = root / "ipt_lib" / "_data" / "references.toml"
    packaged.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, packaged)
    rendered = root / "notebooks" / "references.md"
    rendered.parent.mkdir(parents=True, exist_ok=True)
    rendered.write_text(render_markdown(works), "utf-8")
    return [packaged, rendered]


def write_packaged_data(root: Path) -> list[Path]:
    target = root / "ipt_lib" / "_data"
    written = write_bibliography(root)
    for folder, pattern in (("cohort", "*.csv"), ("training", "*.toml"), ("scenarios", "*.toml")):
        out = target / folder
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for path in sorted((root / "data" / folder).glob(pattern)):
            shutil.copyfile(path, out / path.name)
            written.append(out / path.name)
    # practice transcripts only: their keys may be shown; graded transcripts stay in data/
    out = target / "transcripts"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    from ..transcripts import load_transcripts

    for t in load_transcripts(root / "data" / "transcripts"):
        if not t.is_graded:
            shutil.copyfile(t.source, out / Path(t.source).name)
            written.append(out / Path(t.source).name)
    summary = target / "corpus_public.json"
    summary.write_text(json.dumps({"vignettes": corpus_summary_records(root)}, indent=1, ensure_ascii=False) + "\n",
                       "utf-8")
    written.append(summary)
    return written
