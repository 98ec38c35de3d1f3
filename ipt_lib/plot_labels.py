"""Labels beside the points of a figure: close to their point, never on another label or point, and with leader
lines that never cross.

Everything is worked out in display pixels (the figure's own dpi), so what is checked is what is drawn. A label
first tries the spots right next to its point, outward first, then ones further away joined by a short leader
line; a spot is taken only if its box stays inside the axes, covers no other label, point or fixed text, and its
leader crosses no other leader and passes over no other label or point. :func:`place_near` says which labels found
no such spot, so a caller can fall back to another layout (see :func:`place_in_columns`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Anchor", "place_near", "place_in_columns", "DOT_GID", "LABEL_GID", "LEADER_GID", "segments_cross"]

# How a figure marks its points, their labels and the lines between them (so a test can find them).
DOT_GID, LABEL_GID, LEADER_GID = "ipt-dot", "ipt-label", "ipt-leader"
# Gaps (pixels) between a point's edge and its label: the first is "next to it", the others need a leader line.
_GAPS = (3, 10, 20, 34, 52, 74, 100, 130, 165, 205)
_TURNS = [0] + [sign * k for k in range(1, 13) for sign in (1, -1)]  # in 15 degree steps from the preferred side


@dataclass
class Anchor:
    """A labelled point: where it is (display pixels), its radius there, which way its label would rather go."""

    x: float
    y: float
    radius: float
    angle: float        # radians; the preferred direction of the label from the point
    text: object        # the matplotlib Text to place
    data: tuple[float, float] = (0.0, 0.0)  # where the point is in data coordinates (for the caller)
    box: tuple[float, float, float, float] | None = None
    leader: tuple[float, float, float, float] | None = None


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _ccw(ax, ay, bx, by, cx, cy) -> float:
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def segments_cross(s, t) -> bool:
    """Whether segments s and t (x0, y0, x1, y1) cross (touching at an end does not count)."""
    d1 = _ccw(*t[:2], *t[2:], *s[:2])
    d2 = _ccw(*t[:2], *t[2:], *s[2:])
    d3 = _ccw(*s[:2], *s[2:], *t[:2])
    d4 = _ccw(*s[:2], *s[2:], *t[2:])
    return d1 * d2 < 0 and d3 * d4 < 0


def _segment_hits_box(s, box) -> bool:
    x0, y0, x1, y1 = box
    if any(x0 < x < x1 and y0 < y < y1 for x, y in (s[:2], s[2:])):
        return True
    edges = ((x0, y0, x1, y0), (x1, y0, x1, y1), (x1, y1, x0, y1), (x0, y1, x0, y0))
    return any(segments_cross(s, e) for e in edges)


def _segment_near_point(s, px, py, r) -> bool:
    x0, y0, x1, y1 = s
    dx, dy = x1 - x0, y1 - y0
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x0 + t * dx - px, y0 + t * dy - py) < r


def _size(text, renderer) -> tuple[float, float]:
    extent = text.get_window_extent(renderer)
    patch = text.get_bbox_patch()
    pad = 0.0
    if patch is not None:  # the rounded box drawn behind the text reaches beyond its extent
        pad = patch.get_boxstyle().pad * text.get_fontsize() * text.figure.dpi / 72
    return extent.width + 2 * pad + 2, extent.height + 2 * pad + 2


def _box_at(x, y, w, h, ha, va):
    left = {"left": x, "center": x - w / 2, "right": x - w}[ha]
    bottom = {"bottom": y, "center": y - h / 2, "top": y - h}[va]
    return (left, bottom, left + w, bottom + h)


def _alignment(phi: float) -> tuple[str, str]:
    c, s = math.cos(phi), math.sin(phi)
    ha = "left" if c > 0.38 else "right" if c < -0.38 else "center"
    va = "bottom" if s > 0.38 else "top" if s < -0.38 else "center"
    return ha, va


def _nearest_on_box(x, y, box) -> tuple[float, float]:
    return min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])


def _move(ax, anchor: Anchor, x: float, y: float, ha: str, va: str) -> None:
    data = ax.transData.inverted().transform((x, y))
    anchor.text.set_position(tuple(data))
    anchor.text.set_ha(ha)
    anchor.text.set_va(va)


def place_near(ax, anchors: list[Anchor], fixed: list[tuple[float, float, float, float]]) -> list[Anchor]:
    """Put each anchor's text next to its point; returns the anchors that found no free spot (left unplaced).

    ``fixed`` are boxes (display pixels) that no label may cover, such as a centre label or ring names.
    """
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.bbox.extents
    boxes = list(fixed)
    leaders: list[tuple] = []
    failed = []
    for anchor in anchors:
        w, h = _size(anchor.text, renderer)
        spot = None
        for gap in _GAPS:
            for turn in _TURNS:
                phi = anchor.angle + math.radians(15 * turn)
                ha, va = _alignment(phi)
                reach = anchor.radius + gap
                x, y = anchor.x + reach * math.cos(phi), anchor.y + reach * math.sin(phi)
                box = _box_at(x, y, w, h, ha, va)
                if not (frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]):
                    continue
                if any(_overlap(box, other) for other in boxes):
                    continue
                if any(_overlap(box, _dot_box(a)) for a in anchors):
                    continue
                if any(_segment_hits_box(line, box) for line in leaders):
                    continue
                leader = None
                if gap != _GAPS[0]:
                    qx, qy = _nearest_on_box(anchor.x, anchor.y, box)
                    leader = (anchor.x, anchor.y, qx, qy)
                    if any(segments_cross(leader, line) for line in leaders):
                        continue
                    if any(_segment_hits_box(leader, other) for other in boxes):
                        continue
                    if any(a is not anchor and _segment_near_point(leader, a.x, a.y, a.radius) for a in anchors):
                        continue
                spot = (x, y, ha, va, box, leader)
                break
            if spot:
                break
        if spot is None:
            failed.append(anchor)
            continue
        x, y, ha, va, anchor.box, anchor.leader = spot
        _move(ax, anchor, x, y, ha, va)
        boxes.append(anchor.box)
        if anchor.leader:
            leaders.append(anchor.leader)
    return failed


def _dot_box(a: Anchor):
    return (a.x - a.radius, a.y - a.radius, a.x + a.radius, a.y + a.radius)


def place_in_columns(ax, anchors: list[Anchor], inner_edge: float, gap: float = 6.0) -> None:
    """Labels in a column on each side of the axes (points right of centre to the right), each joined to its
    point by a straight leader; spaced so they never overlap, and swapped in pairs until no two leaders cross.

    ``inner_edge`` is how far (pixels) from the axes' centre the columns begin.
    """
    renderer = ax.figure.canvas.get_renderer()
    x0, y0, x1, y1 = ax.bbox.extents
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    for side in (1, -1):
        column = sorted((a for a in anchors if (a.x >= cx) == (side == 1)), key=lambda a: -a.y)
        if not column:
            continue
        sizes = [_size(a.text, renderer) for a in column]
        ys = []
        for a, (w, h) in zip(column, sizes):  # as near the point's height as the labels above allow
            want = min(a.y, y1 - h / 2)
            ys.append(min(want, ys[-1] - (sizes[len(ys) - 1][1] + h) / 2 - gap) if ys else want)
        if ys[-1] - sizes[-1][1] / 2 < y0:  # pushed past the bottom: shift the column up, keeping the spacing
            shift = y0 - (ys[-1] - sizes[-1][1] / 2)
            ys = [y + shift for y in ys]
        lx = cx + side * inner_edge
        slots = list(ys)
        order = list(range(len(column)))  # order[i]: the slot of column[i]

        def leader(i):
            return (column[i].x, column[i].y, lx, slots[order[i]])

        for _ in range(len(column) ** 2 + 1):  # each swap shortens the leaders in total, so this ends
            crossing = next(((i, j) for i in range(len(column)) for j in range(i + 1, len(column))
                             if segments_cross(leader(i), leader(j))), None)
            if crossing is None:
                break
            i, j = crossing
            order[i], order[j] = order[j], order[i]
        ha = "left" if side == 1 else "right"
        for i, a in enumerate(column):
            y = slots[order[i]]
            w, h = sizes[i]
            a.box = _box_at(lx, y, w, h, ha, "center")
            a.leader = leader(i)
            _move(ax, a, lx, y, ha, "center")
