"""The instructor grades Assignment 7's drills in nbgrader's Formgrader, in a real (headless Chromium) browser.

One sample student's a7 submission goes through the real cycle (generate, release, fetch, submit, collect, the real
nbgrader autograde in the sandbox, with no hand grade recorded). Then Formgrader, served by a real Jupyter server
from the course folder, shows each drill's reply followed by its rubric and model replies, with a manual-grade box
out of the drill's 3 points; a grade typed there reaches the gradebook (read back with nbgrader's Gradebook API);
the feedback made after grading holds the rubric; release/ never does; and the LMS export counts the drills once
they are graded."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from lab import browser_page, running_lab
from ipt_lib.course import assignment7
from ipt_lib.course.cycle import Spec, run_cycle
from ipt_lib.course.drill_feedback import load_drill_key
from ipt_lib.course.samples import Profile
from ipt_lib.course.samples.fidelity import _ratings
from ipt_lib.course.samples.profile import find_cell

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow]
STUDENT = "fay"
NOTEBOOK = assignment7.NOTEBOOK.removesuffix(".ipynb")
GRADES = {"D01_answer": 2, "D02_answer": 3, "D03_answer": 1, "D05_answer": 2.5}  # what the grader types


def reply(drill_id: str) -> str:
    """Fay's own reply: words no rubric or model reply contains, so the page's order can be read from them."""
    return f"(waits) I can hear how much this matters to you. Say more about it, in your own time. Fay-{drill_id}."


def _fill(nb, key) -> None:
    _ratings(replies=False)(nb, key)
    for drill_id in assignment7.DRILL_IDS:
        find_cell(nb, f"{drill_id}_answer").source = reply(drill_id)


def _keys() -> dict:
    return {d: load_drill_key(ROOT / "data" / "drills" / f"{d.lower()}.toml") for d in assignment7.DRILL_IDS}


def _plain(page_html: str) -> str:
    """A page's text with tags gone and white space collapsed, to look for the rubric's sentences in."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page_html)).split())


def _words(text: str) -> str:
    return " ".join(html.unescape(text).split())


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The cycle's course folder after the real autograde of one a7 submission, nothing graded by hand yet."""
    assert set(GRADES) == set(assignment7.MANUAL)
    spec = Spec(assignment7.ASSIGNMENT, assignment7.NOTEBOOK, tuple(assignment7.MANUAL),
                [Profile(STUDENT, "every rating the key's; her own reply to each drill", _fill,
                         assignment7.RATING_POINTS * len(assignment7.GRADED_IDS))],
                assignment7.answer_key(ROOT))
    result = run_cycle(tmp_path_factory.mktemp("a7") / "run", specs=[spec], timeout=30, quiet=True)
    (student,) = result.results
    assert student.auto_score == student.expected_auto, student
    return result.course


def _gradebook(course: Path):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}")


def test_formgrader_shows_each_drill_s_rubric_and_saves_the_grade_typed_in(graded, tmp_path):
    course = graded
    keys = _keys()
    with _gradebook(course) as gb:
        submission = gb.find_submission_notebook(NOTEBOOK, assignment7.ASSIGNMENT, STUDENT).id
        before = {cell: gb.find_grade(cell, NOTEBOOK, assignment7.ASSIGNMENT, STUDENT) for cell in GRADES}
        assert all(g.needs_manual_grade and g.manual_score is None for g in before.values())
    with running_lab(course, tmp_path, cwd=course) as (base, token), browser_page() as page:
        # Formgrader's page fetches the grades with its own requests: a token in the address would authenticate the
        # page alone (those requests would be sent to the login page), so every request carries the token.
        page.set_extra_http_headers({"Authorization": f"token {token}"})
        page.goto(f"{base}/formgrader/submissions/{submission}/", timeout=120_000)
        # The grade boxes are drawn by Formgrader's script once it has the gradebook's grades: wait for the last
        # drill's box to be marked as needing a hand grade, which happens only then.
        last = list(GRADES)[-1]
        page.locator(f"input.score#{last}.needs_manual_grade").wait_for(state="attached", timeout=120_000)
        page.screenshot(path=str(tmp_path / "formgrader.png"), full_page=True)
        text = _words(page.locator("#notebook").first.inner_text())  # the template nests two of them
        for drill_id, key in keys.items():
            mine = text.index(reply(drill_id))
            heading = text.index(f"{drill_id} ({key.drill.title}): how it was graded, and two model replies")
            assert mine < heading, f"{drill_id}: the rubric comes before the student's reply"
            end = min([text.index(reply(d)) for d in keys if text.index(reply(d)) > heading], default=len(text))
            shown = text[heading:end]  # from this drill's rubric to the next drill's reply
            for part in (key.rubric.fits, key.rubric.must[0], key.rubric.must_not[0], key.models[0].reply,
                         key.models[1].reply, key.models[0].why):
                assert _words(part) in shown, f"{drill_id}: Formgrader does not show {part[:60]!r} after the reply"
            box = page.locator(f"input.score#{drill_id}_answer")
            assert box.count() == 1
            points = box.evaluate("e => e.parentElement.textContent")
            assert re.search(rf"/\s*{assignment7.DRILL_POINTS}(\.0+)?\b", points), points
        for cell, score in GRADES.items():
            box = page.locator(f"input.score#{cell}")
            box.scroll_into_view_if_needed()
            with page.expect_response(lambda r: "/api/grade/" in r.url and r.request.method == "PUT"
                                      and r.ok, timeout=60_000):
                box.fill(str(score))
                box.press("Tab")  # Formgrader saves on change (the box loses focus)
    with _gradebook(course) as gb:
        for cell, score in GRADES.items():
            grade = gb.find_grade(cell, NOTEBOOK, assignment7.ASSIGNMENT, STUDENT)
            assert (grade.manual_score, grade.needs_manual_grade, grade.max_score) == (
                score, False, assignment7.DRILL_POINTS), cell
        submitted = gb.find_submission(assignment7.ASSIGNMENT, STUDENT)
        expected = assignment7.RATING_POINTS * len(assignment7.GRADED_IDS) + sum(GRADES.values())
        assert not submitted.needs_manual_grade and submitted.score == pytest.approx(expected)


def test_feedback_after_grading_holds_every_rubric_and_release_holds_none(graded):
    from ipt_lib.course.nbgrader_cli import Nbgrader

    course = graded
    Nbgrader(course)("generate_feedback", assignment7.ASSIGNMENT, "--student", STUDENT, "--force")
    feedback = _plain((course / "feedback" / STUDENT / assignment7.ASSIGNMENT / f"{NOTEBOOK}.html")
                      .read_text(encoding="utf-8"))
    released = "\n".join(p.read_text(encoding="utf-8") for p in (course / "release" / assignment7.ASSIGNMENT)
                         .rglob("*") if p.is_file())
    released_words = _words(released.replace("\\n", " ").replace('\\"', '"'))
    for drill_id, key in _keys().items():
        assert reply(drill_id) in feedback
        for part in (key.rubric.fits, key.rubric.must[0], key.rubric.must_not[-1], key.models[1].reply):
            words = _words(part)
            assert words in feedback, f"{drill_id}: the feedback lacks {part[:60]!r}"
            assert words not in released_words and words[:60] not in released_words, (
                f"{drill_id}: release/ holds {part[:60]!r}")


def test_the_lms_export_counts_the_drills_once_graded(graded):
    from ipt_lib.course.lms import GRADED, collect

    course = graded
    data = collect(course, course / "students.csv", [assignment7.ASSIGNMENT])
    assert data.assignments == [(assignment7.ASSIGNMENT, float(assignment7.RATING_POINTS * len(assignment7.GRADED_IDS)
                                                                + assignment7.DRILL_POINTS * len(GRADES)))]
    ((index, _), cell), = data.cells.items()
    assert data.roster[index].id == STUDENT
    if cell.status != GRADED:
        pytest.fail(f"the LMS export sees {cell.status} (run after the Formgrader test, which grades the drills)")
    assert cell.score == pytest.approx(assignment7.RATING_POINTS * len(assignment7.GRADED_IDS) + sum(GRADES.values()))
