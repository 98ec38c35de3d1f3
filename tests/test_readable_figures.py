"""The figures a student sees read at the notebook's default width: text at least JupyterLab's body text size when
the figure is shown at the width the lesson or the widget shows it, names next to their dots, nothing on top of
anything else, no crossing lines, nothing cut off. Measured on the drawn figure with matplotlib's renderer."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from ipt_lib.inventory import Inventory
from ipt_lib.plot_labels import DOT_GID, LABEL_GID, LEADER_GID, segments_cross
from ipt_lib.plots import BODY_PX, closeness_circle

ROOT = Path(__file__).resolve().parents[1]

NAMES = ["Ama", "Kofi", "Lunch-club friend", "Domino club", "Pauline", "Clive", "Grandmother", "Manager at work",
         "Neighbour", "Best friend Sam", "Brother", "Therapy group"]


def twelve_people(ring: str | None = None) -> Inventory:
    inv = Inventory("My practice client")
    for i, name in enumerate(NAMES):
        inv.add(name=name, relationship="x", ring=ring or ("inner", "middle", "outer")[i % 3],
                conflict=("none", "some", "high")[i % 3], supportive=i % 2 == 0, confidant=i % 5 == 0)
    return inv


def texts(fig):
    """Every text that is drawn (tick labels of an axes turned off are not)."""
    from matplotlib.text import Text

    hidden = {id(t) for ax in fig.axes if not ax.axison for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text)}
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def shown_px(text, scale: float = 1.0) -> float:
    """The text's font size in screen pixels when its figure is shown at ``scale`` times its own pixel width."""
    return text.get_fontsize() * text.figure.dpi / 72 * scale


def assert_text_inside_at_body_size_without_overlaps(fig, what: str) -> None:
    """Every drawn text inside the figure and at least body size; no two of the first axes' texts overlap."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    for t in texts(fig):
        box = t.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, \
            f"{what}: {t.get_text()!r} is cut off ({box} outside {frame})"
        assert shown_px(t) >= BODY_PX, f"{what}: {t.get_text()!r} is {shown_px(t):.1f} px"
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), what


def png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")


def layout(fig):
    """Each person's label box and dot centre (display pixels), and the leader lines, as drawn."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.get_gid() == LABEL_GID]
    dots = [line for line in ax.lines if line.get_gid() == DOT_GID]
    assert len(labels) == len(dots)
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in labels]
    centres = [tuple(ax.transData.transform((d.get_xdata()[0], d.get_ydata()[0]))) for d in dots]
    leaders = [tuple(ax.transData.transform(list(zip(line.get_xdata(), line.get_ydata()))).ravel())
               for line in ax.lines if line.get_gid() == LEADER_GID]
    return [t.get_text() for t in labels], boxes, centres, leaders


def gap(box, x, y) -> float:
    """Pixels from the point (x, y) to the nearest edge of the box (0 inside it)."""
    return math.hypot(max(box.x0 - x, 0, x - box.x1), max(box.y0 - y, 0, y - box.y1))


def test_twelve_names_sit_next_to_their_dots_apart_from_each_other_with_no_crossing_lines():
    fig = closeness_circle(twelve_people())
    names, boxes, centres, leaders = layout(fig)
    assert sorted(names) == sorted(NAMES)
    overlapping = [(names[i], names[j]) for i in range(len(boxes)) for j in range(i + 1, len(boxes))
                   if boxes[i].overlaps(boxes[j])]
    assert overlapping == []
    for name, box, (x, y) in zip(names, boxes, centres):
        assert gap(box, x, y) <= 30, f"{name}'s label is {gap(box, x, y):.0f} px from its dot"
        covered = [other for other, (ox, oy) in zip(names, centres) if other != name and gap(box, ox, oy) < 4]
        assert covered == [], f"{name}'s label covers the dot of {covered}"
    crossing = [(i, j) for i in range(len(leaders)) for j in range(i + 1, len(leaders))
                if segments_cross(leaders[i], leaders[j])]
    assert crossing == []


@pytest.mark.parametrize("ring", ["inner", "middle", "outer"])
def test_a_crowded_ring_still_has_no_overlapping_names_and_no_crossing_lines(ring):
    inv = Inventory("Client")
    for i in range(25):
        inv.add(name=f"Someone with a long name {i:02d}", relationship="x", ring=ring)
    fig = closeness_circle(inv)
    names, boxes, _, leaders = layout(fig)
    assert len(names) == 25
    assert not any(boxes[i].overlaps(boxes[j]) for i in range(25) for j in range(i + 1, 25))
    assert not any(segments_cross(a, b) for i, a in enumerate(leaders) for b in leaders[i + 1:])
    frame = fig.bbox
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)


def test_the_circle_text_is_body_size_in_the_lesson_and_in_the_widget(tmp_path):
    from ipt_lib.widgets.inventory import InventoryWidget

    inv = twelve_people()
    fig = closeness_circle(inv)
    # the lesson shows the PNG of fig._repr_png_ at its own size (narrower than the output area)
    lesson_png = fig._repr_png_()
    assert png_width(lesson_png) <= 800
    small = [(t.get_text(), round(shown_px(t), 1)) for t in texts(fig) if shown_px(t) < BODY_PX]
    assert small == []
    widget = InventoryWidget(inv, tmp_path / "inventory.json")
    shown = int(re.search(r"width:(\d+)px", widget.circle.value).group(1))
    import base64

    png = base64.b64decode(re.search(r"base64,([^']+)'", widget.circle.value).group(1))
    scale = shown / png_width(png)
    assert png_width(png) == png_width(lesson_png)
    assert min(shown_px(t, scale) for t in texts(fig)) >= BODY_PX


def test_the_timeline_text_is_body_size():
    from ipt_lib.plots import TimelineEvent, timeline

    fig = timeline([TimelineEvent(-1, "Clive dies; left out of the funeral"),
                    TimelineEvent(0.5, "stops the allotment and the domino club"),
                    TimelineEvent(3, "friend drives him to the GP")])
    assert min(shown_px(t) for t in texts(fig)) >= BODY_PX
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# --- the training pathway's progress figure -----------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_log():
    from ipt_lib.pathway import TraineeLog

    log = TraineeLog()
    log.add(date="2025-09-01", kind="clinical_training", amount=120)
    log.add(date="2025-10-06", kind="training", amount=16, detail="introductory IPT course")
    for n in range(1, 4):
        log.add(date=dt.date(2025, 11, 3) + dt.timedelta(weeks=n), kind="session", amount=0.8, case_id="C1",
                phase="initial")
        log.add(date=dt.date(2025, 11, 3) + dt.timedelta(weeks=n), kind="supervision", amount=1, case_id="C1")
    return log


def test_every_progress_figure_keeps_its_text_inside_and_at_body_size(sample_log):
    """Every level of every body (the longest requirement texts and statuses there are), nothing cut off."""
    from ipt_lib.pathway import assess, load_bodies
    from ipt_lib.plot_progress import progress_figure

    checked = 0
    for body in load_bodies():
        for level in body.levels:
            fig = progress_figure(assess(sample_log, body, level.id, today=dt.date(2026, 6, 1)))
            assert_text_inside_at_body_size_without_overlaps(fig, f"{body.id}/{level.id}")
            checked += 1
    assert checked >= 10


def test_the_pathway_widget_shows_its_figure_at_the_figure_s_own_width(tmp_path):
    import base64

    from ipt_lib.widgets.pathway import PathwayWidget

    widget = PathwayWidget(tmp_path / "log.csv", today=dt.date(2026, 6, 1))
    shown = int(re.search(r"width:(\d+)px", widget.figure.value).group(1))
    png = base64.b64decode(re.search(r"base64,([^']+)'", widget.figure.value).group(1))
    assert shown == png_width(png) <= 800


# --- a text alternative for every figure the lessons show -------------------------------------------------

def _shown_as(fig) -> str:
    """The <img> a lesson shows for ``fig`` (JupyterLab prefers the HTML form to the bare PNG, which has no alt)."""
    bundle = fig._repr_mimebundle_()
    assert bundle["image/png"] and bundle["text/plain"]
    img = re.fullmatch(r"<img src='data:image/png;base64,[^']+' alt='([^']+)' style='[^']+'>", bundle["text/html"])
    assert img, bundle["text/html"][:200]
    return img.group(1)


def test_every_figure_a_lesson_shows_has_a_text_alternative_that_says_what_it_shows(sample_log):
    from ipt_lib.caseload import load_cohort
    from ipt_lib.pathway import assess
    from ipt_lib.plot_progress import progress_figure
    from ipt_lib.plots import TimelineEvent, group_trajectory, timeline, trajectories

    assert "inner ring: Ama (x)" in _shown_as(closeness_circle(twelve_people()))
    alt = _shown_as(timeline([TimelineEvent(-1, "Clive dies"), TimelineEvent(2, "stops the club")]))
    assert "month -1: Clive dies (the closest interpersonal event before onset)" in alt
    clients, scores = load_cohort()
    alt = _shown_as(trajectories(scores, ["C001", "C029"]))
    assert "PHQ-9" in alt and "C001 from" in alt and "C029 from" in alt
    alt = _shown_as(group_trajectory(scores, clients, by="problem_area"))
    assert all(area in alt for area in clients["problem_area"].unique())
    alt = _shown_as(progress_figure(assess(sample_log, "isipt", "therapist", today=dt.date(2026, 6, 1))))
    assert alt.startswith("Progress figure.") and "met" in alt and "missing" in alt


def test_trajectory_figures_keep_their_text_inside_at_body_size_without_overlaps():
    """Lesson 03's trajectory figures: every label at least body size, inside the figure, none over another."""
    import pandas as pd

    from ipt_lib.plots import group_trajectory, trajectories

    scores = pd.read_csv(ROOT / "data" / "cohort" / "scores.csv")
    clients = pd.read_csv(ROOT / "data" / "cohort" / "clients.csv")
    figures = [trajectories(scores, sorted(scores["client_id"].unique())[:8]), group_trajectory(scores),
               group_trajectory(scores, clients, by="problem_area"), group_trajectory(scores, clients, by="setting")]
    for fig in figures:
        assert_text_inside_at_body_size_without_overlaps(fig, fig.axes[0].get_title())
