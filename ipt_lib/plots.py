"""Figures drawn from domain objects: the closeness circle and the interpersonal timeline.

matplotlib is imported only when a figure is drawn. Colours are the Okabe-Ito colour-blind-safe palette,
and every meaning also has a marker shape, so the figures read in grey when printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from .inventory import Inventory, Ring

__all__ = ["closeness_circle", "timeline", "TimelineEvent", "closest_before_onset", "vignette_events", "shade_phases",
           "trajectories", "group_trajectory"]

# Okabe-Ito
BLUE, VERMILLION, GREEN, ORANGE, GREY, BLACK = "#0072B2", "#D55E00", "#009E73", "#E69F00", "#7f7f7f", "#000000"


def _figure(ax, size):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    # Shown as a picture when it is the last value of a cell, without pyplot's global state.
    fig._repr_png_ = lambda: to_png(fig)
    return fig, fig.add_subplot()


def to_png(fig, dpi: int = 100) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def closeness_circle(inventory: Inventory, ax=None, *, title: str | None = None):
    """Concentric rings with the client at the centre, each person on the ring of their closeness.

    Marker shape and colour: supportive (blue circle), in conflict (vermillion cross, larger for high
    conflict), confidant (green star), otherwise a grey circle. Labels sit outside their marker, alternating
    in and out on crowded rings so that up to 25 people stay legible.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    fig, ax = _figure(ax, (9, 7.6))
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-7.4, 7.4)
    ax.set_ylim(-5.8, 5.8)
    for ring in Ring:
        ax.add_patch(Circle((0, 0), RADII[ring], fill=False, lw=1.2, ec=GREY, ls="-"))
        ax.text(0.0, -RADII[ring] + 0.08, ring.value, ha="center", va="bottom", fontsize=7, color=GREY)
    ax.text(0, 0, inventory.client, ha="center", va="center", fontsize=9, fontweight="bold", color="white",
            zorder=3, bbox=dict(boxstyle="round,pad=0.4", fc=BLACK, ec=BLACK))

    placed = []  # (person, x, y, angle)
    for ring in Ring:
        people = inventory.in_ring(ring)
        n = len(people)
        radius = RADII[ring]
        for i, person in enumerate(people):
            angle = math.pi / 2 + 2 * math.pi * i / max(n, 1) + (math.pi / max(n, 1) if ring is Ring.MIDDLE else 0)
            x, y = radius * math.cos(angle), radius * math.sin(angle)
            if person.conflict != "none":
                style = dict(marker="X", color=VERMILLION, ms=13 if person.conflict == "high" else 10)
            elif person.confidant:
                style = dict(marker="*", color=GREEN, ms=15)
            elif person.supportive:
                style = dict(marker="o", color=BLUE, ms=10)
            else:
                style = dict(marker="o", color=GREY, ms=8, mfc="white")
            ax.plot([x], [y], linestyle="none", zorder=4, mec=BLACK, mew=0.6, **style)
            if person.confidant and person.conflict != "none":
                ax.plot([x], [y], marker="*", color=GREEN, ms=8, zorder=5)
            placed.append((person, x, y, angle))
    # Labels in two columns beside the circle, spaced so they never overlap, with a leader line to each marker.
    for side in (1, -1):
        column = sorted((p for p in placed if (math.cos(p[3]) >= 0) == (side == 1)), key=lambda p: -math.sin(p[3]))
        gap, top, bottom = 0.46, 5.4, -5.4
        ys = []
        for person, x, y, angle in column:
            target = min(top, 5.0 * math.sin(angle))
            ys.append(min(target, ys[-1] - gap) if ys else target)
        if ys and ys[-1] < bottom:  # pushed past the bottom: shift the column up, keeping the spacing
            shift = bottom - ys[-1]
            ys = [y + shift for y in ys]
        for (person, x, y, angle), ly in zip(column, ys):
            lx = side * 4.95
            ax.plot([x, side * 4.75, lx], [y, ly, ly], color=GREY, lw=0.5, zorder=2)
            ax.text(lx + side * 0.08, ly, person.name, ha="left" if side == 1 else "right", va="center",
                    fontsize=8, zorder=6, bbox=dict(boxstyle="round,pad=0.12", fc="white", ec="none", alpha=0.9))
    handles = [
        Line2D([], [], linestyle="none", marker="o", color=BLUE, mec=BLACK, ms=9, label="supportive"),
        Line2D([], [], linestyle="none", marker="*", color=GREEN, mec=BLACK, ms=13, label="confidant"),
        Line2D([], [], linestyle="none", marker="X", color=VERMILLION, mec=BLACK, ms=10, label="in conflict"),
        Line2D([], [], linestyle="none", marker="o", color=GREY, mfc="white", mec=BLACK, ms=8, label="other"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False, fontsize=9)
    ax.set_title(title or f"Closeness circle: {inventory.client}", fontsize=12)
    fig.text(0.5, 0.005, inventory.summary(), ha="center", va="bottom", fontsize=7.5, wrap=True)
    return fig


RADII = {Ring.INNER: 1.5, Ring.MIDDLE: 2.9, Ring.OUTER: 4.3}


def label_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of person labels whose boxes overlap on the drawn figure (used by the tests)."""
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_bbox_patch() is not None and t.get_zorder() == 6]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened, in months relative to symptom onset (negative = before onset)."""

    month: float
    label: str
    interpersonal: bool = True


def closest_before_onset(events: Iterable[TimelineEvent]) -> TimelineEvent | None:
    """The interpersonal event that came closest before onset (at or before month 0)."""
    before = [e for e in events if e.interpersonal and e.month <= 0]
    return max(before, key=lambda e: e.month) if before else None


def vignette_events(vignette) -> list[TimelineEvent]:
    """The dated event of a vignette as a timeline (empty for 'no acute event')."""
    months = vignette.event.months_before_onset
    if months is None:
        return []
    return [TimelineEvent(-float(months), vignette.event.description)]


def timeline(events: Iterable[TimelineEvent], ax=None, *, title: str = "Interpersonal timeline"):
    """Life events and symptom onset (month 0) on one axis; the closest interpersonal event before onset is
    highlighted."""
    events = sorted(events, key=lambda e: e.month)
    fig, ax = _figure(ax, (9, 3.2))
    lo = min([e.month for e in events] + [-1]) - 1
    hi = max([e.month for e in events] + [1]) + 1
    ax.axhline(0, color=GREY, lw=1)
    ax.axvline(0, color=VERMILLION, lw=2, ls="--")
    ax.text(0, 1.05, "symptom onset", color=VERMILLION, ha="center", va="bottom", fontsize=9)
    key = closest_before_onset(events)
    for i, event in enumerate(events):
        level = 0.45 if i % 2 == 0 else -0.45
        highlight = event is key
        colour = BLUE if event.interpersonal else GREY
        ax.plot([event.month, event.month], [0, level * 0.8], color=colour, lw=1)
        ax.plot([event.month], [0], marker="D" if highlight else "o", ms=11 if highlight else 7, color=colour,
                mec=BLACK, mew=1.5 if highlight else 0.5, zorder=3)
        ax.text(event.month, level, event.label + ("\n(closest before onset)" if highlight else ""),
                ha="center", va="center", fontsize=8, fontweight="bold" if highlight else "normal",
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour))
    ax.set_xlim(lo, hi)
    ax.set_ylim(-1.1, 1.3)
    ax.set_yticks([])
    ax.set_xlabel("months relative to symptom onset")
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=11)
    return fig


# --- outcome trajectories (measurement) -------------------------------------------------------------------

PHASE_COLOURS = {"initial": "#56B4E9", "middle": "#F0E442", "ending": "#CC79A7"}  # Okabe-Ito, light fills


def shade_phases(ax, planned_sessions: int = 16, scheme: str = "focus-2006", *, label: bool = True):
    """Shade the initial, middle and ending phases of a course of ``planned_sessions`` behind a plot whose
    x axis is the session number. Sources differ on session numbers (Weissman et al., 2018; Stuart & Robertson, 2012; IPT UK, n.d.-b); ``scheme`` picks one
    (see ipt_lib.measures.PHASE_SCHEMES)."""
    from .measures import phase_bounds

    for phase, (first, last) in phase_bounds(planned_sessions, scheme).items():
        ax.axvspan(first - 0.5, last + 0.5, color=PHASE_COLOURS[phase], alpha=0.18, lw=0, zorder=0)
        if label:
            ax.text((first + last) / 2, 1.0, phase, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
                    fontsize=8, color="#444444")
    ax.set_xlim(0.5, planned_sessions + 0.5)
    return ax


def _severity_lines(ax, measure: str) -> None:
    from .measures import scale

    s = scale(measure)
    for band in s.bands:
        if band.low > s.low:
            ax.axhline(band.low - 0.5, color=GREY, lw=0.6, ls=":", zorder=1)
        ax.text(1.01, (band.low + band.high) / 2, band.label, transform=ax.get_yaxis_transform(), fontsize=7,
                va="center", ha="left", color=GREY, clip_on=False)
    ax.figure.subplots_adjust(right=0.8)


def _long_scores(scores, measure: str):
    from .measures import MeasureError, scale

    s = scale(measure)
    needed = {"client_id", "session", "measure", "score"}
    missing = needed - set(getattr(scores, "columns", ()))
    if missing:
        raise MeasureError(f"The scores table needs the columns {', '.join(sorted(needed))}; it has no "
                           f"{', '.join(sorted(missing))}.")
    rows = scores[scores["measure"] == s.name]
    if rows.empty:
        raise MeasureError(f"There are no {s.name} scores in this table (measures present: "
                           f"{', '.join(map(str, scores['measure'].unique()))}).")
    bad = rows[(rows["score"] < s.low) | (rows["score"] > s.high) | rows["score"].isna()]
    if len(bad):
        raise MeasureError(f"{len(bad)} {s.name} score(s) are missing or outside {s.low}-{s.high} "
                           f"(first at index {bad.index[0]}); fix or drop them before plotting.")
    return s, rows


def trajectories(scores, client_ids=None, *, measure: str = "PHQ-9", planned_sessions: int = 16,
                 scheme: str = "focus-2006", ax=None, title: str | None = None):
    """One line per client (session on x, score on y), phases shaded and severity bands marked.

    ``scores`` is a long table with client_id, session, measure and score (data/cohort/scores.csv).
    """
    s, rows = _long_scores(scores, measure)
    if client_ids is not None:
        wanted = list(client_ids)
        unknown = sorted(set(wanted) - set(rows["client_id"]))
        if unknown:
            from .measures import MeasureError

            raise MeasureError(f"No {s.name} scores for: {', '.join(map(str, unknown[:5]))}.")
        rows = rows[rows["client_id"].isin(wanted)]
    fig, ax = _figure(ax, (8, 4.5))
    shade_phases(ax, planned_sessions, scheme)
    if s.bands:
        _severity_lines(ax, s.name)
    markers = "osD^vP*X"
    colours = [BLUE, VERMILLION, GREEN, ORANGE, BLACK, "#56B4E9", "#CC79A7"]
    for i, (cid, one) in enumerate(rows.sort_values("session").groupby("client_id", sort=True)):
        ax.plot(one["session"], one["score"], marker=markers[i % len(markers)], ms=4, lw=1.4,
                color=colours[i % len(colours)], label=str(cid))
    ax.set_ylim(s.low, s.high + 0.5)
    ax.set_xlabel("Session")
    ax.set_ylabel(f"{s.name} ({s.low}-{s.high})")
    ax.set_title(title or f"{s.name} by session", pad=14)
    if rows["client_id"].nunique() <= 12:
        ax.legend(fontsize=7, loc="upper right", ncol=2)
    return fig


def group_trajectory(scores, clients=None, *, by: str | None = None, measure: str = "PHQ-9",
                     planned_sessions: int = 16, scheme: str = "focus-2006", ax=None, title: str | None = None):
    """Mean score by session (with the interquartile range shaded), overall or for each group in ``by``
    (a column of ``clients``, such as problem_area). The number of clients at each session is printed
    under the axis, because drop-outs and shorter courses leave the later means."""
    s, rows = _long_scores(scores, measure)
    if by is not None:
        if clients is None or by not in getattr(clients, "columns", ()):
            from .measures import MeasureError

            raise MeasureError(f"To split by {by!r}, pass the clients table with a {by!r} column.")
        rows = rows.merge(clients[["client_id", by]], on="client_id", how="left")
    fig, ax = _figure(ax, (8, 4.5))
    shade_phases(ax, planned_sessions, scheme)
    if s.bands:
        _severity_lines(ax, s.name)
    groups = [("all clients", rows)] if by is None else list(rows.groupby(by, sort=True))
    colours = [BLUE, VERMILLION, GREEN, ORANGE, BLACK, "#56B4E9"]
    markers = "os^Dv*"
    for i, (name, part) in enumerate(groups):
        stats = part.groupby("session")["score"].agg(["mean", lambda x: x.quantile(0.25), lambda x: x.quantile(0.75)])
        stats.columns = ["mean", "q1", "q3"]
        colour = colours[i % len(colours)]
        ax.fill_between(stats.index, stats["q1"], stats["q3"], color=colour, alpha=0.10, lw=0)
        ax.plot(stats.index, stats["mean"], marker=markers[i % len(markers)], ms=4, color=colour, label=str(name))
    counts = rows.groupby("session")["client_id"].nunique()
    for session, n in counts.items():
        ax.text(session, -0.09, f"{n}", transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=6,
                color=GREY)
    ax.set_ylim(s.low, s.high + 0.5)
    ax.text(0.0, -0.09, "n =", transform=ax.transAxes, ha="right", va="top", fontsize=6, color=GREY)
    ax.set_xlabel("Session (n = clients with a score at that session)", labelpad=12)
    ax.set_ylabel(f"Mean {s.name} ({s.low}-{s.high})")
    ax.set_title(title or f"Mean {s.name} by session" + (f" and {by.replace('_', ' ')}" if by else ""), pad=14)
    ax.legend(fontsize=8, loc="upper right")
    fig.subplots_adjust(bottom=0.2)
    return fig
