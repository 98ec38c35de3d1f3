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
           "trajectories", "group_trajectory", "closeness_text", "img_tag", "with_text_alternative"]

# Okabe-Ito
BLUE, VERMILLION, GREEN, ORANGE, GREY, BLACK = "#0072B2", "#D55E00", "#009E73", "#E69F00", "#7f7f7f", "#000000"
DARK_VERMILLION = "#B34700"  # vermillion dark enough for text on white (4.5:1 or more)


def _figure(ax, size, alt=None):
    if ax is not None:
        return ax.figure, ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(fig)
    with_text_alternative(fig, alt)
    return fig, fig.add_subplot()


def to_png(fig, dpi: int = 100) -> bytes:
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def img_tag(png: bytes, alt: str, *, width: int | None = None) -> str:
    """An inline PNG with its text alternative, ``width`` pixels wide (default: the picture's own width, so its
    text is shown at the size it was drawn) and never wider than the page."""
    import base64
    import html

    if width is None:
        width = int.from_bytes(png[16:20], "big")  # the IHDR chunk of a PNG starts with its width
    data = base64.b64encode(png).decode("ascii")
    return (f"<img src='data:image/png;base64,{data}' alt='{html.escape(alt, quote=True)}' "
            f"style='width:{width}px;max-width:100%;height:auto'>")


def with_text_alternative(fig, alt=None):
    """Show ``fig`` in Jupyter, when it is the last value of a cell, as a picture with a text alternative.

    JupyterLab draws a plain ``image/png`` output as an ``<img>`` with no ``alt``, which a screen reader cannot
    read; the ``text/html`` form (which JupyterLab prefers) carries ``alt``: ``alt()`` if given (called when the
    figure is shown, so it says what is drawn then), else the figure's titles. No pyplot state is used.
    """
    import base64

    def text() -> str:
        if alt is not None:
            return alt()
        titles = [t for ax in fig.axes for t in (ax.get_title(), ax.get_title("left")) if t]
        return "Figure: " + ("; ".join(" ".join(t.split()) for t in titles) or "no title")

    def bundle(include=None, exclude=None):
        png = to_png(fig)
        words = text()
        return {"image/png": base64.b64encode(png).decode("ascii"), "text/html": img_tag(png, words),
                "text/plain": words}

    fig._repr_png_ = lambda: to_png(fig)
    fig._repr_mimebundle_ = bundle
    return fig


def closeness_text(inventory: Inventory) -> str:
    """What the closeness circle shows, in words: who is on which ring."""
    if not len(inventory):
        return f"Closeness circle for {inventory.client}: nobody entered yet."
    rings = []
    for ring in ("inner", "middle", "outer"):
        people = [f"{p.name} ({p.relationship})" if p.relationship else p.name for p in inventory.in_ring(ring)]
        rings.append(f"{ring} ring: {', '.join(people) if people else 'nobody'}")
    return f"Closeness circle for {inventory.client}: " + "; ".join(rings) + "."


# Text in a figure is at least JupyterLab's body text (14 px) when the figure is shown at its own width, which is
# how the notebook and the inventory widget show it: points * dpi / 72 = pixels, so 10.5 pt at 100 dpi is 14.6 px.
DPI = 100
TEXT_PT = 10.5
BODY_PX = 14
RADII = {Ring.INNER: 1.5, Ring.MIDDLE: 2.9, Ring.OUTER: 4.3}
_SCALE = 50          # pixels per unit of the circle's axes at DPI: the outer ring is 430 px across
_WIDTH = 720         # pixels: the circle's figure when the labels fit beside their points
_TEXT_GREY = "#555555"  # grey that text can be read in (7.5:1 on white); GREY is for lines


def closeness_circle(inventory: Inventory, ax=None, *, title: str | None = None):
    """Concentric rings with the client at the centre, each person on the ring of their closeness.

    Marker shape and colour: supportive (blue circle), in conflict (vermillion cross, larger for high
    conflict), confidant (green star), otherwise a grey circle. Each name sits next to its marker (joined by a
    short line when it had to move away); no name covers another or a marker, and no two lines cross. When a
    ring is too crowded for that (about 15 people or more), the names stand in a column on each side instead,
    and the figure widens to hold them. Text is at least body-text size at the figure's own width.
    """
    import textwrap

    from matplotlib.lines import Line2D
    from matplotlib.patches import Circle

    from .plot_labels import DOT_GID, LABEL_GID, LEADER_GID, Anchor, place_in_columns, place_near

    own = ax is None
    summary = textwrap.wrap(inventory.summary(), 88)
    top, bottom = 0.55, 0.5 + 0.19 * len(summary)   # inches: title; legend and summary
    half_w, half_h = _WIDTH / 2 / _SCALE, 5.4
    if own:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(_WIDTH / DPI, top + bottom + 2 * half_h * _SCALE / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        with_text_alternative(fig, lambda: closeness_text(inventory))
        ax = fig.add_axes((0, bottom / fig.get_figheight(), 1, 1 - (top + bottom) / fig.get_figheight()))
    fig = ax.figure
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-half_w, half_w)
    ax.set_ylim(-half_h, half_h)
    fixed = []
    for ring in Ring:
        ax.add_patch(Circle((0, 0), RADII[ring], fill=False, lw=1.2, ec=GREY, ls="-"))
        fixed.append(ax.text(0.0, -RADII[ring] + 0.2, ring.value, ha="center", va="bottom", fontsize=TEXT_PT,
                             color=_TEXT_GREY))
    # wrapped so that it stays inside the inner ring, clear of the people on it
    fixed.append(ax.text(0, 0, textwrap.fill(inventory.client, 12), ha="center", va="center", fontsize=TEXT_PT + 0.5,
                         fontweight="bold", color="white", zorder=3,
                         bbox=dict(boxstyle="round,pad=0.4", fc=BLACK, ec=BLACK)))

    anchors = []
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
            ax.plot([x], [y], linestyle="none", zorder=4, mec=BLACK, mew=0.6, gid=DOT_GID, **style)
            if person.confidant and person.conflict != "none":
                ax.plot([x], [y], marker="*", color=GREEN, ms=8, zorder=5)
            text = ax.text(x, y, person.name, fontsize=TEXT_PT, zorder=6, gid=LABEL_GID,
                           bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.9))
            anchors.append(Anchor(0, 0, style["ms"] / 2 * fig.dpi / 72 + 1, angle, text, data=(x, y)))

    def locate():
        ax.apply_aspect()
        for a in anchors:
            a.x, a.y = ax.transData.transform(a.data)

    renderer = fig.canvas.get_renderer()
    locate()
    if place_near(ax, anchors, [t.get_window_extent(renderer).padded(3).extents for t in fixed]):
        # Too crowded: columns on both sides, as wide as the longest name (the figure widens when it is ours).
        longest = max(t.get_window_extent(renderer).width for t in (a.text for a in anchors)) + 12
        edge = RADII[Ring.OUTER] * _SCALE + 24
        if own and edge + longest > _WIDTH / 2:
            fig.set_figwidth(2 * (edge + longest) / DPI)
            ax.set_xlim(-(edge + longest) / _SCALE, (edge + longest) / _SCALE)
        locate()
        place_in_columns(ax, anchors, inner_edge=edge * (ax.bbox.width / (2 * ax.get_xlim()[1] * _SCALE)))
    inverse = ax.transData.inverted()
    for a in anchors:
        if a.leader:
            (x0, y0), (x1, y1) = inverse.transform([a.leader[:2], a.leader[2:]])
            ax.plot([x0, x1], [y0, y1], color="#595959", lw=0.8, zorder=2, gid=LEADER_GID)
    handles = [
        Line2D([], [], linestyle="none", marker="o", color=BLUE, mec=BLACK, ms=9, label="supportive"),
        Line2D([], [], linestyle="none", marker="*", color=GREEN, mec=BLACK, ms=13, label="confidant"),
        Line2D([], [], linestyle="none", marker="X", color=VERMILLION, mec=BLACK, ms=10, label="in conflict"),
        Line2D([], [], linestyle="none", marker="o", color=GREY, mfc="white", mec=BLACK, ms=8, label="other"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False,
              fontsize=TEXT_PT, borderaxespad=0.2)
    ax.set_title(title or f"Closeness circle: {inventory.client}", fontsize=13)
    if own:
        fig.text(0.5, 0.08 / fig.get_figheight(), "\n".join(summary), ha="center", va="bottom", fontsize=TEXT_PT,
                 linespacing=1.25)
    return fig


def label_overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of person labels whose boxes overlap on the drawn figure (used by the tests)."""
    from .plot_labels import LABEL_GID

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_gid() == LABEL_GID]
    boxes = [(t.get_text(), t.get_bbox_patch().get_window_extent(renderer)) for t in labels]
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
    import textwrap

    events = sorted(events, key=lambda e: e.month)
    fig, ax = _figure(ax, (7.6, 3.8), alt=lambda: timeline_text(events, title))
    lo = min([e.month for e in events] + [-1]) - 1
    hi = max([e.month for e in events] + [1]) + 1
    ax.axhline(0, color=GREY, lw=1)
    ax.axvline(0, color=VERMILLION, lw=2, ls="--")
    ax.text(0, 1.05, "symptom onset", color=DARK_VERMILLION, ha="center", va="bottom", fontsize=TEXT_PT,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none"))
    key = closest_before_onset(events)
    for i, event in enumerate(events):
        level = 0.45 if i % 2 == 0 else -0.45
        highlight = event is key
        colour = BLUE if event.interpersonal else GREY
        ax.plot([event.month, event.month], [0, level * 0.8], color=colour, lw=1)
        ax.plot([event.month], [0], marker="D" if highlight else "o", ms=11 if highlight else 7, color=colour,
                mec=BLACK, mew=1.5 if highlight else 0.5, zorder=3)
        # the first and last labels lean inwards, so a label never runs off the figure
        ha = "left" if i == 0 and len(events) > 1 else "right" if i == len(events) - 1 and len(events) > 1 else "center"
        ax.text(event.month, level, textwrap.fill(event.label, 24) + ("\n(closest before onset)" if highlight else ""),
                ha=ha, multialignment="left", va="center", fontsize=TEXT_PT, fontweight="bold" if highlight else "normal",
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour))
    ax.set_xlim(lo, hi)
    ax.set_ylim(-1.1, 1.3)
    ax.set_yticks([])
    ax.set_xlabel("months relative to symptom onset", fontsize=TEXT_PT)
    ax.tick_params(labelsize=TEXT_PT)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=12)
    if ax is fig.axes[0] and len(fig.axes) == 1:
        fig.tight_layout()
    return fig


def timeline_text(events: Iterable[TimelineEvent], title: str = "Interpersonal timeline") -> str:
    """What the timeline shows, in words: each event and its month, and which came closest before onset."""
    events = sorted(events, key=lambda e: e.month)
    key = closest_before_onset(events)
    parts = [f"month {e.month:g}: {e.label}" + (" (the closest interpersonal event before onset)" if e is key else "")
             + ("" if e.interpersonal else " (not interpersonal)") for e in events]
    return f"{title}. Symptom onset at month 0. " + ("; ".join(parts) if parts else "No events.") + "."


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
                    fontsize=TEXT_PT, color="#444444")
    ax.set_xlim(0.5, planned_sessions + 0.5)
    return ax


def _severity_lines(ax, measure: str) -> None:
    from .measures import scale

    s = scale(measure)
    for band in s.bands:
        if band.low > s.low:
            ax.axhline(band.low - 0.5, color=GREY, lw=0.6, ls=":", zorder=1)
        ax.text(1.01, (band.low + band.high) / 2, band.label, transform=ax.get_yaxis_transform(),
                fontsize=TEXT_PT, va="center", ha="left", color=_TEXT_GREY, clip_on=False)
    ax.figure.subplots_adjust(right=0.78)


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

    def text() -> str:
        ends = []
        for cid, one in rows.sort_values("session").groupby("client_id", sort=True):
            ends.append(f"{cid} from {one['score'].iloc[0]:g} at session {one['session'].iloc[0]:g} to "
                        f"{one['score'].iloc[-1]:g} at session {one['session'].iloc[-1]:g}")
        shown = "; ".join(ends[:12]) + (f"; and {len(ends) - 12} more" if len(ends) > 12 else "")
        return (f"Line chart: {s.name} score by session, one line per client, the phases of treatment shaded. "
                f"{shown}.")

    fig, ax = _figure(ax, (8, 4.5), alt=text)
    shade_phases(ax, planned_sessions, scheme)
    if s.bands:
        _severity_lines(ax, s.name)
    markers = "osD^vP*X"
    colours = [BLUE, VERMILLION, GREEN, ORANGE, BLACK, "#56B4E9", "#CC79A7"]
    for i, (cid, one) in enumerate(rows.sort_values("session").groupby("client_id", sort=True)):
        ax.plot(one["session"], one["score"], marker=markers[i % len(markers)], ms=4, lw=1.4,
                color=colours[i % len(colours)], label=str(cid))
    ax.set_ylim(s.low, s.high + 0.5)
    ax.set_xlabel("Session", fontsize=TEXT_PT)
    ax.set_ylabel(f"{s.name} ({s.low}-{s.high})", fontsize=TEXT_PT)
    ax.tick_params(labelsize=TEXT_PT)
    ax.set_title(title or f"{s.name} by session", pad=24, fontsize=12)
    if rows["client_id"].nunique() <= 12:
        ax.legend(fontsize=TEXT_PT, loc="upper right", ncol=3)
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

    def text() -> str:
        parts = []
        for name, part in ([("all clients", rows)] if by is None else list(rows.groupby(by, sort=True))):
            means = part.groupby("session")["score"].mean()
            parts.append(f"{name}: mean {means.iloc[0]:.1f} at session {means.index[0]:g}, {means.iloc[-1]:.1f} at "
                         f"session {means.index[-1]:g} ({part['client_id'].nunique()} clients)")
        return (f"Line chart: mean {s.name} by session" + (f" for each {by.replace('_', ' ')}" if by else "")
                + ", the interquartile range shaded. " + "; ".join(parts) + ".")

    fig, ax = _figure(ax, (8, 4.5), alt=text)
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
        ax.text(session, -0.09, f"{n}", transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize=TEXT_PT, color=_TEXT_GREY)
    ax.set_ylim(s.low, s.high + 0.5)
    ax.text(-0.01, -0.09, "n =", transform=ax.transAxes, ha="right", va="top", fontsize=TEXT_PT,
            color=_TEXT_GREY)
    ax.set_xlabel("Session (n = clients with a score at that session)", labelpad=16, fontsize=TEXT_PT)
    ax.set_ylabel(f"Mean {s.name} ({s.low}-{s.high})", fontsize=TEXT_PT)
    ax.tick_params(labelsize=TEXT_PT)
    ax.set_title(title or f"Mean {s.name} by session" + (f" and {by.replace('_', ' ')}" if by else ""), pad=24,
                 fontsize=12)
    ax.legend(fontsize=TEXT_PT, loc="upper right")
    fig.subplots_adjust(bottom=0.22, left=0.1)
    return fig
