"""The item-analysis report's figures (matplotlib, drawn without pyplot) and their alt texts."""

from __future__ import annotations

import base64
import math
from collections import Counter

from .analysis import EASY, HARD, Confusion, ItemAnalysis, ItemStats


def _new_figure(size):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def histogram_figure(analysis: ItemAnalysis):
    """Histogram of the total scores, the class mean marked."""
    from ...plots import BLACK, BLUE, VERMILLION

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


def item_label(item: ItemStats) -> str:
    label = item.item.removesuffix("_test")
    return f"{label} ({item.vignette})" if item.vignette else label


def scatter_figure(analysis: ItemAnalysis):
    """Difficulty (x) against discrimination (y), one labelled point per item; the flag zones hatched."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ...plots import BLACK, BLUE, GREY, VERMILLION

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
    _place_labels(fig, ax, [((x, y), ", ".join(item_label(i) for i in items)) for (x, y), items in groups.items()])
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

    from ...plots import BLACK

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


def png_uri(fig) -> str:
    from ...plots import to_png

    return "data:image/png;base64," + base64.b64encode(to_png(fig, dpi=110)).decode("ascii")


def fmt(x: float | None, spec: str = ".2f") -> str:
    return "n/a" if x is None else format(x, spec)


def histogram_alt(analysis: ItemAnalysis) -> str:
    d = analysis.total
    counts = Counter(d.values)
    spread = ", ".join(f"{c} at {v:g}" for v, c in sorted(counts.items()))
    return (f"Histogram of the total scores of {d.n} students of {analysis.assignment}, out of {d.max_possible:g}: "
            f"{spread}. Mean {fmt(d.mean, '.1f')}, median {fmt(d.median, 'g')}.")


def scatter_alt(analysis: ItemAnalysis) -> str:
    shown = [i for i in analysis.items if i.discrimination is not None]
    parts = [f"{item_label(i)}: difficulty {i.difficulty:.2f}, discrimination {i.discrimination:.2f}"
             + (f" ({', '.join(i.flags)})" if i.flags else "") for i in shown]
    missing = [item_label(i) for i in analysis.items if i.discrimination is None]
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
