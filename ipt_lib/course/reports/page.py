"""The item-analysis report as files: a self-contained HTML page (from the Jinja2 template beside this module,
figures embedded as PNG) and a CSV of the statistics."""

from __future__ import annotations

import csv
import datetime as _dt
import html
from pathlib import Path

from . import analysis
from .analysis import ItemAnalysis
from .figures import (confusion_alt, confusion_figure, fmt, histogram_alt, histogram_figure, item_label, png_uri,
                      scatter_alt, scatter_figure)

TEMPLATES = Path(__file__).with_name("templates")
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


def _escaped(value: object):
    """Every value the template prints is escaped as ``html.escape`` does (quotes too); markup the template made
    itself (a macro's output) is left alone."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


def _template():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, finalize=_escaped, trim_blocks=True,
                      lstrip_blocks=True, undefined=StrictUndefined)
    return env.get_template("item_analysis.html.j2")


def _figure(fig, alt: str) -> dict:
    return {"uri": png_uri(fig), "alt": alt}


def render_html(analysis_: ItemAnalysis) -> str:
    """The report as one HTML page. It names the key areas in its confusion matrix: it is for instructors only."""
    a = analysis_
    figures = {"histogram": None, "scatter": None, "confusions": []}
    if not a.message:
        if a.total.values:
            figures["histogram"] = _figure(histogram_figure(a), histogram_alt(a))
        if any(i.discrimination is not None for i in a.items):
            figures["scatter"] = _figure(scatter_figure(a), scatter_alt(a))
        figures["confusions"] = [dict(_figure(confusion_figure(c, a.assignment), confusion_alt(c)), confusion=c)
                                 for c in a.confusion]
    constants = {name: getattr(analysis, name) for name in ("EASY", "HARD", "STABLE_STUDENTS", "BLANK",
                                                            "UNREADABLE", "FLAG_TEXT")}
    return _template().render(a=a, today=_dt.date.today().isoformat(), fmt=fmt, item_label=item_label, zip=zip,
                              dict=dict, **constants, **figures)


def write_html(analysis: ItemAnalysis, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(analysis), encoding="utf-8")
    return path
