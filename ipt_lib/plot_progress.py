"""The progress figure: one bar per requirement of a level, drawn from an :class:`~ipt_lib.pathway.Progress`.

matplotlib is imported by :func:`progress_figure` only.
"""

from __future__ import annotations

from .pathway.progress import Progress, RequirementResult, Status, quantity
from .plots import with_text_alternative

__all__ = ["progress_figure", "progress_text"]

# Okabe-Ito colours; every status also has its own hatch and a word, so the figure reads in grey.
_STYLE = {
    Status.MET: dict(color="#0072B2", hatch="", edge="#0072B2"),
    Status.MISSING: dict(color="#E69F00", hatch="///", edge="#8a5a00"),
    Status.UNKNOWN: dict(color="#FFFFFF", hatch="..", edge="#7f7f7f"),
    Status.SELF_REPORT: dict(color="#FFFFFF", hatch="", edge="#000000"),
}


def progress_text(progress: Progress) -> str:
    """What the progress figure shows, in words: each requirement and its status."""
    parts = [f"{r.requirement.description}: {r.status.value.replace('_', ' ')}" for r in progress]
    return f"Progress figure. {progress.summary()} " + "; ".join(parts) + "."


def _status_label(r: RequirementResult) -> str:
    if r.status is Status.MET and r.requirement.kind == "years_since":
        return f"met ({quantity(r.have, r.unit)} ago)"
    if r.status is Status.MET:
        return f"met ({quantity(r.have, r.unit)})" if r.have is not None else "met"
    if r.status is Status.MISSING:
        return f"missing: {quantity(r.still_needed, r.unit)} still needed" if r.still_needed else "missing"
    if r.status is Status.UNKNOWN:
        return "unknown: no confirmed number"
    return "self-report: confirm yourself"


# Sizes in pixels at 100 dpi. The figure is shown at its own width (760 px) in the lesson and the widget, so 10.5 pt
# text is 14.6 px there: JupyterLab's body text size.
_DPI, _WIDTH, _TEXT_PT = 100, 760, 10.5
_LINE, _BAR, _GAP, _STATUS_W = 19, 22, 16, 280


def progress_figure(progress: Progress, ax=None):
    """Horizontal bars, one per requirement: the requirement written in full above its bar, the share done, and
    the status written beside the bar.

    met: solid blue; missing: orange with diagonal hatching, the empty part outlined; unknown: dotted grey
    outline; self-report: dashed black outline. Returns a matplotlib ``Figure`` (shown as a PNG in Jupyter).
    Every text lies inside the figure and is at least body-text size when the figure is shown at its width.
    """
    import textwrap

    from matplotlib.patches import Patch

    results = list(progress.results)
    own = ax is None
    left, right = 16, _STATUS_W
    bar_px = _WIDTH - left - right                      # the pixels of 0-100 %
    wrap = max(40, int((_WIDTH - 2 * left) / 7.9))      # characters of body text across the figure
    descriptions = [textwrap.wrap(r.requirement.description, wrap) or [""] for r in results]
    # a long status goes on two lines, and its bar moves down so the lines stay clear of the text above
    statuses = [textwrap.fill(_status_label(r), 24) if len(_status_label(r)) > 30 else _status_label(r)
                for r in results]
    lifts = [_LINE // 2 * s.count("\n") for s in statuses]
    rows = [len(d) * _LINE + 4 + lift + _BAR + _GAP for d, lift in zip(descriptions, lifts)]
    height = sum(rows) + 6
    title = f"{progress.body.name}: {progress.level.name}"
    if not (progress.body.current and progress.level.current):
        title += " (historical)"
    title_lines = textwrap.wrap(title, 78)
    top, bottom = 14 + 22 * len(title_lines), 100      # pixels: title; ticks, axis label and legend
    if own:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        total = top + height + bottom
        fig = Figure(figsize=(_WIDTH / _DPI, total / _DPI), dpi=_DPI)
        FigureCanvasAgg(fig)
        with_text_alternative(fig, lambda: progress_text(progress))
        ax = fig.add_axes((left / _WIDTH, bottom / total, (_WIDTH - 2 * left) / _WIDTH, height / total))
    fig = ax.figure
    # x: 1.0 is the whole requirement; the rest of the axes' width holds the status words
    ax.set_xlim(0, (_WIDTH - 2 * left) / bar_px)
    ax.set_ylim(height, 0)                              # y in pixels from the top of the axes
    y = 6.0
    for r, lines, status, lift, row in zip(results, descriptions, statuses, lifts, rows):
        style = _STYLE[r.status]
        ax.text(0, y, "\n".join(lines), va="top", ha="left", fontsize=_TEXT_PT, linespacing=1.25,
                gid="ipt-requirement")
        bar = y + len(lines) * _LINE + 4 + lift + _BAR / 2
        ls = "--" if r.status is Status.SELF_REPORT else "-"
        # the whole requirement as an outline, then the share done filled in
        ax.barh(bar, 1.0, height=_BAR, color="white", edgecolor=style["edge"], linestyle=ls, linewidth=1.2,
                hatch=style["hatch"] if r.status in (Status.UNKNOWN,) else "")
        share = r.fraction or 0.0
        if r.status is Status.MET:
            ax.barh(bar, 1.0, height=_BAR, color=style["color"], edgecolor=style["edge"])
        elif r.status is Status.MISSING and share > 0:
            ax.barh(bar, share, height=_BAR, color=style["color"], edgecolor=style["edge"], hatch=style["hatch"])
        ax.text(1.02, bar, status, va="center", ha="left", fontsize=_TEXT_PT, linespacing=1.2, gid="ipt-status")
        y += row
    ax.set_yticks([])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xticklabels(["0%", "25%", "50%", "75%", "100%"], fontsize=_TEXT_PT)
    ax.set_xlabel("share of the requirement in your log", fontsize=_TEXT_PT)
    ax.xaxis.set_label_coords(0.5 * bar_px / (_WIDTH - 2 * left), -28 / height)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_bounds(0, 1)
    handles = [Patch(facecolor=_STYLE[Status.MET]["color"], edgecolor=_STYLE[Status.MET]["edge"], label="met"),
               Patch(facecolor=_STYLE[Status.MISSING]["color"], edgecolor=_STYLE[Status.MISSING]["edge"],
                     hatch="///", label="missing (part done)"),
               Patch(facecolor="white", edgecolor=_STYLE[Status.UNKNOWN]["edge"], hatch="..", label="unknown"),
               Patch(facecolor="white", edgecolor="black", linestyle="--", label="self-report")]
    ax.set_title("\n".join(title_lines), fontsize=12.5, loc="left")
    if own:
        fig.legend(handles=handles, loc="lower center", ncol=4, frameon=False, fontsize=_TEXT_PT,
                   bbox_to_anchor=(0.5, 4 / fig.get_figheight() / _DPI))
    else:
        ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=_TEXT_PT)
    return fig
