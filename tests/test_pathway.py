"""Training pathway: the requirement data, the trainee log CSV, assess(), the figure and the widget."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_lib.pathway import (ENTRY_KINDS, LOG_COLUMNS, Body, Level, PathwayDataError, Requirement, Status,
                             TraineeLog, TraineeLogError, assess, load_bodies, load_body)
from ipt_lib.plot_progress import progress_figure

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "pathway"
REFERENCE = ROOT.parent / "shared" / "ipt-reference.md"
TODAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def bodies() -> dict[str, Body]:
    return {b.id: b for b in load_bodies()}


@pytest.fixture(scope="module")
def reference() -> str:
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not next to this checkout, so numbers and source ids cannot be checked "
                    "against the clinical reference")
    return REFERENCE.read_text(encoding="utf-8")


def section_text(reference: str, section: str) -> str:
    """The text of one numbered section of the reference, bold marks removed and spaces collapsed."""
    match = re.search(rf"^(#+) {re.escape(section)}\b.*$", reference, re.M)
    assert match, f"section {section} is not in the reference"
    level = len(match.group(1))
    rest = reference[match.end():]
    end = re.search(rf"^(#{{1,{level}}} |---)", rest, re.M)
    body = rest[: end.start()] if end else rest
    return " ".join(body.replace("**", "").split())


def all_requirements(bodies):
    for body in bodies.values():
        for level in body.levels:
            for req in level.requirements:
                yield body, level, req


def number_in(text: str, value: float) -> bool:
    shown = [str(int(value))] if float(value).is_integer() else []
    shown.append(f"{value:g}")
    if not float(value).is_integer() or value < 10:
        shown.append(f"{value:.1f}")
    return any(re.search(rf"(?<![\d.]){re.escape(s)}(?![\d])", text) for s in shown)


# --- the data files ------------------------------------------------------------------------------------------

def test_every_body_file_in_data_training_validates(bodies):
    assert set(bodies) == {"ipt_institute", "isipt", "ipt_uk", "historical"}
    for body in bodies.values():
        assert body.levels and body.sources and body.urls and body.retrieved
        assert all(level.requirements for level in body.levels)


def test_the_levels_are_those_of_the_reference(bodies):
    assert [lv.id for lv in bodies["isipt"].levels] == ["therapist", "supervisor", "trainer"]
    assert [lv.id for lv in bodies["ipt_institute"].levels] == [
        "level-a", "level-b-community", "research-level-b", "research-level-c", "level-d", "level-e"]
    assert [lv.id for lv in bodies["ipt_uk"].levels][:4] == ["level-a", "level-b", "level-c", "level-d"]
    historical = [lv.id for lv in bodies["ipt_uk"].levels if not lv.current]
    assert historical == ["iapt-practitioner-2015", "older-uk-standard", "scottish-pathway"]
    assert not bodies["historical"].current


def test_every_requirement_with_a_number_cites_a_source_listed_in_the_reference(bodies, reference):
    listed = set(re.findall(r"\*\*(S\d+)\*\*", reference.split("## Sources", 1)[1]))
    assert len(listed) > 50
    for body, level, req in all_requirements(bodies):
        where = f"{body.id}/{level.id}/{req.id}"
        if req.numbers:
            assert req.sources, f"{where} has a number but no source"
        assert set(req.sources) <= listed, f"{where} cites {set(req.sources) - listed}, not in the reference"
    for body in bodies.values():
        assert set(body.sources) <= listed


def test_every_source_id_of_the_training_data_is_a_work_of_the_course_bibliography(bodies):
    from ipt_lib.references import cite_ids, resolve, works_for_ids

    ids = {s for body in bodies.values() for s in body.sources}
    ids |= {s for _, _, req in all_requirements(bodies) for s in req.sources}
    assert {"S39", "S42", "S43", "S48"} <= ids
    for sid in sorted(ids):
        assert works_for_ids([sid]), f"{sid} is the id of no work in data/references.toml"
    shown = cite_ids(sorted(ids))
    assert "IPT Institute, n.d.-a" in shown and "S42" not in shown
    for cite in shown.split("; "):
        assert resolve(cite).cite == cite


def test_every_number_in_the_data_is_in_the_quoted_words_of_the_cited_section(bodies, reference):
    for body, level, req in all_requirements(bodies):
        where = f"{body.id}/{level.id}/{req.id}"
        text = section_text(reference, req.section)
        for quote in req.quote:
            assert quote in text, f"{where}: {quote!r} is not in §{req.section} of the reference"
        for name, value in req.numbers.items():
            assert any(number_in(q, value) for q in req.quote), f"{where}: {name} = {value} is not in its quote"


@pytest.mark.parametrize("body_id, level_id, req_id, number, words", [
    ("isipt", "therapist", "clinical-training", 150, "≥150 hours of supervised training"),
    ("isipt", "therapist", "introductory-training", 16, "≥16 hours (the equivalent of 2 days)"),
    ("isipt", "therapist", "supervised-cases", 3, "≥3 supervised cases"),
    ("isipt", "supervisor", "supervised-cases", 5, "making 5 in total"),
    ("isipt", "supervisor", "supervision-given", 80, "≥80 hours of giving IPT supervision"),
    ("isipt", "supervisor", "clinicians-supervised", 4, "at least 4 different clinicians"),
    ("isipt", "trainer", "teaching-hours", 100, "≥100 hours of IPT teaching"),
    ("ipt_institute", "level-a", "course-hours", 14, "14–16 hours of instruction"),
    ("ipt_institute", "level-b-community", "consultation-hours", 10, "≥10 consultation hours"),
    ("ipt_institute", "level-b-community", "portfolios", 2, "2 portfolios for 2 different clients"),
    ("ipt_institute", "level-b-community", "booster", 8, "a booster or advanced course of ≥8 hours"),
    ("ipt_institute", "research-level-c", "supervised-cases", 4, "4 supervised cases"),
    ("ipt_uk", "level-b", "supervised-cases", 4, "Level B is 4 satisfactorily supervised IPT cases"),
])
def test_spot_check_numbers_against_the_reference(bodies, reference, body_id, level_id, req_id, number, words):
    body = bodies[body_id]
    req = body.level(level_id).requirement(req_id)
    assert req.minimum == number
    assert words in section_text(reference, body.section)


def test_spot_check_extra_numbers(bodies, reference):
    b = bodies["ipt_institute"].level("level-b-community")
    assert b.requirement("portfolios").pass_score == 3.0
    assert b.requirement("level-a-recent").maximum == 3
    assert b.requirement("portfolio-measures").every_sessions == 4
    assert "PHQ-9 and GAD-7 at intake and every 4 sessions" in section_text(reference, "7.1")
    assert "at intake and every 4 sessions" in section_text(reference, "6.4")
    assert bodies["ipt_institute"].level("research-level-b").requirement(
        "supervised-complete-cases").supervision_ratio == (1, 2)
    assert bodies["ipt_institute"].level("level-a").requirement("course-hours").quote == (
        "an accredited Level A course of 14–16 hours of instruction",)


def test_what_the_reference_does_not_confirm_is_unknown_never_a_number(bodies):
    unknown = {(b.id, lv.id) for b, lv, r in all_requirements(bodies) if r.unknown}
    assert {("ipt_institute", "level-d"), ("ipt_institute", "level-e"), ("ipt_uk", "level-d"),
            ("ipt_uk", "level-c"), ("ipt_uk", "level-a")} <= unknown
    for _, _, req in all_requirements(bodies):
        if req.unknown:
            assert not req.numbers and req.note
    # no number anywhere for the items §9 lists as unconfirmed
    for level in ("level-d", "level-e"):
        assert all(not r.numbers for r in bodies["ipt_institute"].level(level).requirements)
    assert all(not r.numbers for r in bodies["ipt_uk"].level("level-d").requirements)


VALID = '''
id = "demo"
name = "Demo body"
section = "7.2"
sources = ["S39"]
urls = ["https://example.org"]
retrieved = "2026"

[[levels]]
id = "one"
name = "Level one"

[[levels.requirements]]
id = "hours"
kind = "training_hours"
minimum = 16
description = "Sixteen hours."
quote = "≥16 hours"
sources = ["S39"]
'''


@pytest.mark.parametrize("change, field_name, words", [
    (("minimum = 16", "minimun = 16"), "minimun", "did you mean 'minimum'"),
    (('kind = "training_hours"', 'kind = "training_hour"'), "kind", "did you mean 'training_hours'"),
    (("minimum = 16\n", ""), "minimum", "missing"),
    (("minimum = 16", "minimum = -2"), "minimum", "above 0"),
    (("minimum = 16", "minimum = 16\nunknown = true\nnote = \"x\""), "minimum", "unknown requirement carries no"),
    (("minimum = 16", "unknown = true"), "note", "needs a note"),
    (('sources = ["S39"]\n', 'sources = ["39"]\n'), "sources", "not a source id"),
    (('sources = ["S39"]\n', 'sources = ["S999"]\n'), "sources", "'S999' is the id of no work in the course bibliography"),
    (('quote = "≥16 hours"\n', ""), "quote", "quote the reference"),
    (('quote = "≥16 hours"\nsources = ["S39"]\n', ""), "sources", "needs its source ids"),
    (('id = "demo"', 'id = "other"'), "id", "does not match the file name"),
    (('section = "7.2"', 'section = "seven"'), "section", "section number"),
    (('name = "Level one"', 'name = "Level one"\nprerequisites = ["zero"]'), "prerequisites", "not a level"),
    (('kind = "training_hours"', 'kind = "attestation"'), "minimum", "carries no number"),
    (('retrieved = "2026"\n', ""), "retrieved", "missing"),
    (("[[levels.requirements]]", "[[levels.requirement]]"), "requirement", "unknown field"),
    (('name = "Demo body"', 'name = "Demo body'), "(file)", "not valid TOML"),
])
def test_a_bad_body_file_names_the_file_and_the_field(tmp_path, change, field_name, words):
    old, new = change
    assert old in VALID
    path = tmp_path / "demo.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PathwayDataError) as caught:
        load_body(path)
    assert caught.value.path.name == "demo.toml"
    assert field_name in caught.value.field
    assert words in str(caught.value)
    assert str(caught.value).startswith("demo.toml: field '")


def test_the_valid_demo_file_loads(tmp_path):
    (tmp_path / "demo.toml").write_text(VALID, encoding="utf-8")
    (body,) = load_bodies(tmp_path)
    assert body.level("one").requirement("hours").minimum == 16


def test_years_since_needs_either_minimum_or_maximum(tmp_path):
    text = VALID.replace('kind = "training_hours"\nminimum = 16',
                         'kind = "years_since"\nmilestone = "x"\nminimum = 16\nmaximum = 16')
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PathwayDataError, match="either minimum"):
        load_body(tmp_path / "demo.toml")


# --- assess at the edges ------------------------------------------------------------------------------------

SUM_ENTRY = {"training_hours": "training", "advanced_training_hours": "advanced_training",
             "clinical_training_hours": "clinical_training", "supervision_hours": "supervision",
             "supervision_given_hours": "supervision_given", "teaching_hours": "teaching", "recordings": "recording"}


def log_of(*rows) -> TraineeLog:
    log = TraineeLog()
    for row in rows:
        log.add(**row)
    return log


def sum_log(kind: str, amount: float) -> TraineeLog:
    entry = SUM_ENTRY[kind]
    row = dict(date="2025-01-10", kind=entry, amount=amount)
    if entry == "recording":
        row["case_id"] = "C1"
    if entry == "supervision_given":
        row["detail"] = "clinician A"
    return log_of(row) if amount > 0 else TraineeLog()


def summed_requirements():
    found = []
    for body in load_bodies():
        for level in body.levels:
            for req in level.requirements:
                if req.kind in SUM_ENTRY and not req.unknown:
                    found.append(pytest.param(body.id, level.id, req.id, id=f"{body.id}/{level.id}/{req.id}"))
    return found


@pytest.mark.parametrize("body_id, level_id, req_id", summed_requirements())
def test_exactly_the_minimum_is_met_and_one_less_is_missing_by_one(bodies, body_id, level_id, req_id):
    req = bodies[body_id].level(level_id).requirement(req_id)
    exact = assess(sum_log(req.kind, req.minimum), body_id, level_id, today=TODAY)[req_id]
    assert exact.status is Status.MET and exact.have == req.minimum and exact.still_needed is None
    short = assess(sum_log(req.kind, req.minimum - 1), body_id, level_id, today=TODAY)[req_id]
    assert short.status is Status.MISSING and short.still_needed == 1 and short.have == req.minimum - 1


def test_fractional_hours_add_up_without_rounding_errors():
    log = log_of(*[dict(date="2025-01-10", kind="supervision", amount=0.1) for _ in range(100)])
    assert assess(log, "ipt_institute", "level-b-community", today=TODAY)["consultation-hours"].status is Status.MET


def test_clinicians_are_counted_once_each():
    rows = [dict(date="2025-01-10", kind="supervision_given", amount=20, detail=name)
            for name in ("Ana", "Ben", "Cal", "ana")]
    result = assess(log_of(*rows), "isipt", "supervisor", today=TODAY)["clinicians-supervised"]
    assert (result.status, result.have, result.still_needed) == (Status.MISSING, 3, 1)
    rows.append(dict(date="2025-01-11", kind="supervision_given", amount=1, detail="Dee"))
    assert assess(log_of(*rows), "isipt", "supervisor", today=TODAY)["clinicians-supervised"].status is Status.MET


def case_rows(case: str, phases=("initial", "middle", "ending"), *, hours=1.0, supervision=1.0, recorded=False,
              sessions_per_phase=1):
    rows = []
    day = dt.date(2025, 1, 6)
    for phase in phases:
        for _ in range(sessions_per_phase):
            rows.append(dict(date=day, kind="session", amount=hours, case_id=case, phase=phase))
            if recorded:
                rows.append(dict(date=day, kind="recording", case_id=case, phase=phase))
            day += dt.timedelta(days=7)
    if supervision:
        rows.append(dict(date=day, kind="supervision", amount=supervision, case_id=case))
    return rows


def test_supervised_cases_need_every_phase_and_supervision_on_the_case():
    complete = case_rows("C1") + case_rows("C2") + case_rows("C3")
    assert assess(log_of(*complete), "isipt", "therapist", today=TODAY)["supervised-cases"].status is Status.MET
    short = case_rows("C1") + case_rows("C2") + case_rows("C3", phases=("initial", "middle"))
    result = assess(log_of(*short), "isipt", "therapist", today=TODAY)["supervised-cases"]
    assert (result.status, result.have, result.still_needed) == (Status.MISSING, 2, 1)
    assert "C3: no session in the ending phase" in result.detail
    unsupervised = case_rows("C1") + case_rows("C2") + case_rows("C3", supervision=0)
    result = assess(log_of(*unsupervised), "isipt", "therapist", today=TODAY)["supervised-cases"]
    assert result.still_needed == 1 and "C3: sessions but no supervision" in result.detail


def test_research_cases_need_every_session_recorded_and_one_hour_of_supervision_per_two_of_therapy():
    def level_b(second_supervision):
        rows = case_rows("C1", recorded=True, sessions_per_phase=2, supervision=3.0)
        rows += case_rows("C2", recorded=True, sessions_per_phase=2, supervision=second_supervision)
        return assess(log_of(*rows), "ipt_institute", "research-level-b", today=TODAY)["supervised-complete-cases"]

    assert level_b(3.0).status is Status.MET            # 6 h of therapy, 3 h of supervision: exactly 1 per 2
    result = level_b(2.5)
    assert result.status is Status.MISSING and result.still_needed == 1
    assert "C2: 2.5 h supervision for 6 h of therapy (needs 3 h)" in result.detail
    rows = case_rows("C1", recorded=True, supervision=2) + case_rows("C2", recorded=False, supervision=2)
    result = assess(log_of(*rows), "ipt_institute", "research-level-b", today=TODAY)["supervised-complete-cases"]
    assert "C2: 0 of 3 sessions recorded" in result.detail


def portfolio_rows(case: str, score, sessions: int, phq: int, gad: int, recording=True):
    rows = [dict(date="2025-02-01", kind="session", amount=0.8, case_id=case, phase="middle")] * sessions
    rows += [dict(date="2025-02-01", kind="measure", amount=phq, case_id=case, detail="PHQ-9")] if phq else []
    rows += [dict(date="2025-02-01", kind="measure", amount=gad, case_id=case, detail="gad7")] if gad else []
    rows += [dict(date="2025-03-01", kind="recording", case_id=case)] if recording else []
    rows.append(dict(date="2025-03-01", kind="portfolio", amount=score, case_id=case))
    return rows


def test_a_portfolio_at_exactly_the_pass_mark_counts_and_just_under_does_not():
    log = log_of(*portfolio_rows("C1", 3.0, 8, 2, 2), *portfolio_rows("C2", 2.9, 8, 2, 2))
    result = assess(log, "ipt_institute", "level-b-community", today=TODAY)["portfolios"]
    assert (result.status, result.have, result.still_needed) == (Status.MISSING, 1, 1)
    assert "C2: portfolio scored 2.9 (pass mark 3.0)" in result.detail
    log = log_of(*portfolio_rows("C1", 3.0, 8, 2, 2), *portfolio_rows("C2", 3.0, 8, 2, 2))
    assert assess(log, "ipt_institute", "level-b-community", today=TODAY)["portfolios"].status is Status.MET


def test_measures_at_intake_and_every_four_sessions():
    # 8 sessions need each measure twice (sessions 1 and 5); 9 sessions need it three times.
    exact = log_of(*portfolio_rows("C1", 4, 8, 2, 2), *portfolio_rows("C2", 4, 9, 3, 3))
    assert assess(exact, "ipt_institute", "level-b-community", today=TODAY)["portfolio-measures"].status is Status.MET
    short = log_of(*portfolio_rows("C1", 4, 8, 2, 2), *portfolio_rows("C2", 4, 9, 3, 2))
    result = assess(short, "ipt_institute", "level-b-community", today=TODAY)["portfolio-measures"]
    assert (result.status, result.still_needed) == (Status.MISSING, 1)
    assert "C2: GAD-7 given 2 of 3 times for 9 sessions" in result.detail


def test_measures_without_portfolio_cases_say_what_to_log():
    result = assess(TraineeLog(), "ipt_institute", "level-b-community", today=TODAY)["portfolio-measures"]
    assert result.status is Status.MISSING and "no portfolio case" in result.detail


@pytest.mark.parametrize("days_after, status", [(0, Status.MET), (-1, Status.MISSING)])
def test_at_least_one_year_since_certification_counts_calendar_years(days_after, status):
    today = dt.date(2026, 5, 15)
    log = log_of(dict(date="2025-05-15", kind="milestone", detail="ISIPT therapist"))
    result = assess(log, "isipt", "supervisor", today=today + dt.timedelta(days=days_after))["year-of-practice"]
    assert result.status is status
    if status is Status.MISSING:
        assert result.still_needed > 0 and "reached on 2026-05-15" in result.detail


@pytest.mark.parametrize("days_after, status", [(0, Status.MET), (1, Status.MISSING)])
def test_level_a_must_be_within_the_last_three_years(days_after, status):
    log = log_of(dict(date="2023-03-01", kind="milestone", detail="ipt-institute-level-a"))
    result = assess(log, "ipt_institute", "level-b-community",
                    today=dt.date(2026, 3, 1) + dt.timedelta(days=days_after))["level-a-recent"]
    assert result.status is status


def test_a_missing_milestone_lists_the_milestones_there_are():
    log = log_of(dict(date="2025-01-01", kind="milestone", detail="isipt therapist cert"))
    result = assess(log, "isipt", "supervisor", today=TODAY)["year-of-practice"]
    assert result.status is Status.MISSING and "isipt-therapist-cert" in result.detail


def test_an_unknown_requirement_stays_unknown_whatever_the_log_says():
    rows = [dict(date="2025-01-10", kind=k, amount=1000) for k in ("training", "advanced_training", "teaching")]
    rows += case_rows("C1") * 3
    log = log_of(*rows)
    assert assess(log, "ipt_uk", "level-a", today=TODAY)["introductory-course"].status is Status.UNKNOWN
    assert assess(log, "ipt_uk", "level-c", today=TODAY)["cpd"].status is Status.UNKNOWN
    for level in ("level-d", "level-e"):
        progress = assess(log, "ipt_institute", level, today=TODAY)
        assert progress["other-requirements"].status is Status.UNKNOWN
        assert "not retrieved" in progress["other-requirements"].detail
        assert Status.MET not in {r.status for r in progress}


def test_attestations_are_self_report_even_when_noted_in_the_log():
    log = log_of(dict(date="2025-04-01", kind="attestation", detail="letter"))
    progress = assess(log, "isipt", "therapist", today=TODAY)
    assert progress["letter"].status is Status.SELF_REPORT and "2025-04-01" in progress["letter"].detail
    assert progress["membership"].status is Status.SELF_REPORT


def test_the_complete_fixture_meets_every_isipt_therapist_number():
    log = TraineeLog.load(FIXTURES / "isipt_therapist_complete.csv")
    progress = assess(log, "isipt", "therapist", today=TODAY)
    assert {r.requirement.id for r in progress.by_status("met")} == {
        "clinical-training", "introductory-training", "supervised-cases"}
    assert not progress.by_status("missing") and not progress.by_status("unknown")
    assert progress.summary().endswith("3 met, 0 missing, 0 unknown, 6 to confirm yourself.")


def test_an_empty_log_misses_every_number():
    progress = assess(TraineeLog(), "isipt", "supervisor", today=TODAY)
    missing = {r.requirement.id: r.still_needed for r in progress.by_status("missing")}
    assert missing == {"supervised-cases": 5, "year-of-practice": 1, "supervision-given": 80,
                       "clinicians-supervised": 4}


def test_progress_as_table_and_frame():
    progress = assess(TraineeLog.load(FIXTURES / "isipt_therapist_complete.csv"), "isipt", "supervisor",
                      today=TODAY)
    html_table = progress._repr_html_()
    assert "ipt-path-table" in html_table and "✘ missing" in html_table and "✎ self-report" in html_table
    assert "ISIPT, n.d.-a" in html_table and "<td>2 cases</td>" in html_table
    assert "S40" not in html_table and "ipt-reference" not in html_table        # students see the bibliography
    frame = progress.frame()
    assert list(frame.index) == [r.id for r in progress.level.requirements]
    assert frame.loc["supervised-cases", "status"] == "missing" and frame.loc["supervised-cases", "have"] == 3


def test_future_dated_entries_are_pointed_out():
    log = log_of(dict(date="2030-01-01", kind="training", amount=16))
    assert "dated after 2026-03-01" in assess(log, "isipt", "therapist", today=TODAY).summary()


def test_ids_and_errors_for_unknown_bodies_and_levels():
    with pytest.raises(ValueError, match="Use one of: ipt_institute"):
        assess(TraineeLog(), "nice", "therapist")
    with pytest.raises(ValueError, match="Its levels are: therapist, supervisor, trainer"):
        assess(TraineeLog(), "isipt", "level-b")


# --- the figure ---------------------------------------------------------------------------------------------

def four_statuses():
    reqs = (Requirement("hours", "training_hours", "Hours", ("S39",), minimum=10, quote=("10",)),
            Requirement("cases", "supervised_cases", "Cases", ("S39",), minimum=2, quote=("2",)),
            Requirement("later", "unspecified", "Later", unknown=True, note="not retrieved"),
            Requirement("licence", "attestation", "Licence"))
    body = Body("demo", "Demo", "7.2", ("S39",), ("https://example.org",), "2026",
                (Level("one", "One", reqs),))
    log = log_of(dict(date="2025-01-01", kind="training", amount=12), *case_rows("C1"))
    return assess(log, body, "one", today=TODAY)


def test_the_figure_tells_the_four_statuses_apart_by_colour_pattern_and_words():
    progress = four_statuses()
    assert [r.status for r in progress] == [Status.MET, Status.MISSING, Status.UNKNOWN, Status.SELF_REPORT]
    fig = progress_figure(progress)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts if t.get_gid() == "ipt-status"]
    assert texts == ["met (12 hours)", "missing: 1 case still needed", "unknown: no confirmed number",
                     "self-report: confirm yourself"]
    bars = [p for p in ax.patches]
    filled = {(tuple(round(c, 3) for c in p.get_facecolor()), p.get_hatch() or "") for p in bars}
    assert len(filled) >= 3
    hatches = {p.get_hatch() for p in bars if p.get_hatch()}
    assert {"///", ".."} <= hatches
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_figure_draws_partial_progress_as_a_share():
    progress = assess(log_of(dict(date="2025-01-01", kind="supervision", amount=6)), "ipt_institute",
                      "level-b-community", today=TODAY)
    assert progress["consultation-hours"].fraction == pytest.approx(0.6)
    fig = progress_figure(progress)
    widths = sorted(round(p.get_width(), 3) for p in fig.axes[0].patches if p.get_hatch() == "///")
    assert 0.6 in widths


# --- the trainee log CSV ------------------------------------------------------------------------------------

HEADER = ",".join(LOG_COLUMNS)


def problems_of(text: str | bytes):
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    log, problems = TraineeLog.from_csv_bytes(data, strict=False)
    return log, [(p.row, p.column) for p in problems], [str(p) for p in problems]


def test_the_bad_rows_fixture_names_every_row_and_column_and_keeps_the_good_rows():
    with pytest.raises(TraineeLogError) as caught:
        TraineeLog.load(FIXTURES / "bad_rows.csv")
    message = str(caught.value)
    assert message.startswith("bad_rows.csv has 7 problems:")
    assert "row 3, column 'amount': 'two' is not a number of hours" in message
    assert [(p.row, p.column) for p in caught.value.problems] == [
        (3, "amount"), (4, "date"), (5, "kind"), (6, "amount"), (7, "case_id"), (9, "phase"), (10, "amount")]
    log, problems = TraineeLog.load(FIXTURES / "bad_rows.csv", strict=False)
    assert len(problems) == 7 and [e.date.isoformat() for e in log] == ["2025-01-06", "2025-02-24"]


@pytest.mark.parametrize("row, column, words", [
    ("2025-01-06,training,two,,,,", "amount", "'two' is not a number of hours. Write a number such as 1.5"),
    ("2025-01-06,training,\"1,5\",,,,", "amount", "Use a point for decimals: 1.5"),
    ("2025-01-06,training,,,,,", "amount", "the number of hours is empty"),
    ("2025-01-06,training,-3,,,,", "amount", "must be more than 0"),
    ("2025-01-06,recording,1.5,C1,,,", "amount", "not a whole number of recordings"),
    ("2025-01-06,portfolio,6,C1,,,", "amount", "outside the 1-5 scale"),
    ("2025-01-06,milestone,1,,,isipt-therapist,", "amount", "leave amount empty"),
    ("2025-01-06,session,55,C1,middle,,", "amount", "in hours, not minutes"),
    ("06/01/2025,training,2,,,,", "date", "'06/01/2025' is not a date in the form YYYY-MM-DD"),
    ("2025-02-30,training,2,,,,", "date", "is not a date"),
    (",training,2,,,,", "date", "the date is empty"),
    ("2025-01-06,superviison,1,,,,", "kind", "did you mean 'supervision'"),
    ("2025-01-06,,1,,,,", "kind", "the kind is empty"),
    ("2025-01-06,session,1,,middle,,", "case_id", "needs the case it belongs to"),
    ("2025-01-06,training,1,C1,,,", "case_id", "leave case_id empty"),
    ("2025-01-06,session,1,C1,,,", "phase", "needs its phase"),
    ("2025-01-06,session,1,C1,later,,", "phase", "'later' is not a phase"),
    ("2025-01-06,measure,,C1,,,", "detail", "needs the instrument"),
    ("2025-01-06,supervision_given,2,,,,", "detail", "the supervisee's alias"),
])
def test_a_bad_cell_is_reported_with_its_row_and_column(row, column, words):
    log, where, messages = problems_of(f"{HEADER}\n2025-01-01,training,1,,,,\n{row}\n")
    assert where == [(3, column)]
    assert words in messages[0] and messages[0].startswith(f"row 3, column '{column}': ")
    assert len(log) == 1


def test_every_bad_cell_of_a_row_is_reported():
    _, where, _ = problems_of(f"{HEADER}\nyesterday,session,lots,,,,\n")
    assert where == [(2, "date"), (2, "amount"), (2, "case_id"), (2, "phase")]


def test_a_missing_column_is_named_and_no_row_is_guessed():
    log, where, messages = problems_of("date,kind,amount,case_id,detail\n2025-01-06,training,2,,x\n")
    assert (1, "phase") in where and len(log) == 0
    assert any("no rows were read" in m for m in messages)


@pytest.mark.parametrize("text", ["", "\n\n", "   \r\n"])
def test_an_empty_file_says_what_the_first_row_must_be(text):
    log, where, messages = problems_of(text)
    assert where == [(1, None)] and "the file is empty" in messages[0] and HEADER in messages[0]


def test_a_header_only_file_is_an_empty_log():
    assert len(TraineeLog.from_csv_text(HEADER + "\n")) == 0


def test_the_note_column_may_be_left_out_and_headers_are_forgiving():
    log = TraineeLog.from_csv_text("Date, Kind ,Amount,Case ID,Phase,Detail\n2025-01-06,Training,2,,,course\n")
    assert log.entries[0].kind == "training" and log.entries[0].note == ""


def test_an_extra_column_is_reported_not_silently_dropped():
    text = f"{HEADER},comments\n2025-01-06,training,2,,,course,,great day\n"
    with pytest.raises(TraineeLogError, match=r"row 1, column 'comments': is not a column of the trainee log"):
        TraineeLog.from_csv_text(text)
    log, where, _ = problems_of(text)
    assert where == [(1, "comments")] and len(log) == 1


def test_a_row_with_more_values_than_columns_is_reported():
    _, where, messages = problems_of(f"{HEADER}\n2025-01-06,training,2,,,course, Leeds,note,oops\n")
    assert where == [(2, None)] and "double quotes" in messages[0]


def test_a_byte_order_mark_and_windows_line_endings_are_read():
    rows = [HEADER, "2025-01-06,training,2,,,course,", "", "2025-01-07,training,x,,,,"]
    data = "\ufeff".encode() + "\r\n".join(rows).encode("utf-8") + b"\r\n"
    log, where, _ = problems_of(data)
    assert len(log) == 1 and log.entries[0].amount == 2
    assert where == [(4, "amount")]  # the blank line still counts, as in an editor


def test_a_file_that_is_not_utf8_says_how_to_save_it():
    _, where, messages = problems_of(f"{HEADER}\n2025-01-06,training,2,,,café,\n".encode("cp1252"))
    assert where == [(0, None)] and "CSV UTF-8" in messages[0]


def test_a_quoted_note_with_commas_and_a_line_break_is_one_row():
    text = f'{HEADER}\n2025-01-06,training,2,,,course,"Leeds, two days\nwith lunch"\n2025-01-07,training,x,,,,\n'
    log, where, _ = problems_of(text)
    assert log.entries[0].note == "Leeds, two days with lunch"
    assert where == [(4, "amount")]


def test_loading_a_missing_file_explains_how_to_start_one(tmp_path):
    with pytest.raises(TraineeLogError, match="starts an empty one"):
        TraineeLog.load(tmp_path / "trainee_log.csv")
    log, problems = TraineeLog.load(tmp_path / "trainee_log.csv", strict=False)
    assert len(log) == 0 and problems[0].row == 0


def test_add_rejects_a_bad_entry_by_column_and_keeps_the_log_unchanged():
    log = TraineeLog()
    with pytest.raises(TraineeLogError) as caught:
        log.add(date="2025-01-06", kind="session", amount="two", case_id="C1", phase="middle")
    assert [(p.row, p.column) for p in caught.value.problems] == [(None, "amount")]
    assert str(caught.value).splitlines()[1] == ("- column 'amount': 'two' is not a number of hours. "
                                                 "Write a number such as 1.5.")
    assert len(log) == 0


def test_save_writes_the_header_and_loads_back(tmp_path):
    log = TraineeLog.load(FIXTURES / "isipt_therapist_complete.csv")
    path = log.save(tmp_path / "sub" / "log.csv")
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER and "\r" not in text
    assert TraineeLog.load(path).entries == log.entries
    assert [p.name for p in path.parent.iterdir()] == ["log.csv"]  # no temporary file left behind


def test_to_frame_has_the_log_columns_and_types():
    frame = TraineeLog.load(FIXTURES / "isipt_therapist_complete.csv").to_frame()
    assert list(frame.columns) == list(LOG_COLUMNS)
    assert str(frame["date"].dtype).startswith("datetime64") and frame["amount"].dtype == float
    assert frame.loc[frame["kind"] == "session", "case_id"].nunique() == 3


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@st.composite
def entries(draw):
    kind = draw(st.sampled_from(sorted(ENTRY_KINDS)))
    spec = ENTRY_KINDS[kind]
    row = dict(date=draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))), kind=kind,
               note=draw(_text))
    if spec.amount == "hours":
        row["amount"] = draw(st.floats(0.01, 4 if kind == "session" else 500, allow_nan=False))
    elif spec.amount == "count":
        row["amount"] = draw(st.integers(1, 30))
    elif spec.amount == "score":
        row["amount"] = draw(st.one_of(st.none(), st.floats(1, 5)))
    if spec.case != "no":
        row["case_id"] = draw(st.from_regex(r"C[0-9]{1,3}", fullmatch=True))
    if spec.phase == "required" or (spec.phase == "optional" and draw(st.booleans())):
        row["phase"] = draw(st.sampled_from(["initial", "middle", "ending"]))
    detail = draw(_text.filter(str.strip)) if spec.detail else draw(_text)
    row["detail"] = detail
    return row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries(), max_size=12))
def test_any_valid_log_survives_a_save_and_a_load(rows):
    log = TraineeLog()
    for row in rows:
        log.add(**row)
    again = TraineeLog.from_csv_text(log.to_csv_text())
    assert again.entries == log.entries


# --- the widget ---------------------------------------------------------------------------------------------

def test_the_widget_builds_and_redraws_when_the_body_or_level_changes(tmp_path):
    from ipt_lib.widgets.pathway import pathway_widget

    path = tmp_path / "trainee_log.csv"
    shutil.copy(FIXTURES / "isipt_therapist_complete.csv", path)
    widget = pathway_widget(path, today=TODAY)
    assert widget.body.value == "ipt_institute" and widget.level.value == "level-a"
    assert "IPT Institute" in widget.table.value and "data:image/png;base64," in widget.figure.value
    assert "alt='Progress figure." in widget.figure.value and " met, " in widget.figure.value
    assert "79 entries read" in widget.status.value
    widget.body.value = "isipt"
    assert [v for _, v in widget.level.options] == ["therapist", "supervisor", "trainer"]
    assert widget.progress.level.id == "therapist" and "3 met, 0 missing" in widget.table.value
    before = widget.figure.value
    widget.level.value = "supervisor"
    assert widget.progress.level.id == "supervisor" and widget.figure.value != before
    assert "Supervisor certification" in widget.table.value


def test_the_widget_form_adds_an_entry_and_saves_the_log(tmp_path):
    from ipt_lib.widgets.pathway import pathway_widget

    path = tmp_path / "trainee_log.csv"
    widget = pathway_widget(path, today=TODAY)
    assert "No log yet" in widget.status.value
    widget.body.value, widget.level.value = "ipt_institute", "level-a"
    widget.entry_kind.value, widget.entry_amount.value = "training", "14"
    assert widget.submit()
    assert widget.progress["course-hours"].status is Status.MET
    assert TraineeLog.load(path).entries[0].amount == 14
    widget.entry_kind.value, widget.entry_amount.value = "training", "two"
    assert not widget.submit() and "not a number of hours" in widget.message.value
    assert len(TraineeLog.load(path)) == 1


def test_the_widget_shows_bad_rows_and_never_writes_over_the_file(tmp_path):
    from ipt_lib.widgets.pathway import pathway_widget

    path = tmp_path / "trainee_log.csv"
    shutil.copy(FIXTURES / "bad_rows.csv", path)
    original = path.read_bytes()
    widget = pathway_widget(path, today=TODAY)
    assert "7 problem(s)" in widget.status.value and "row 3, column &#x27;amount&#x27;" in widget.status.value
    widget.entry_kind.value, widget.entry_amount.value = "training", "2"
    assert not widget.submit() and path.read_bytes() == original
    path.write_text(f"{HEADER}\n2025-01-06,training,16,,,course,\n", encoding="utf-8")
    widget.reload_button.click()
    assert widget.problems == [] and "1 entries read" in widget.status.value


# --- import cost --------------------------------------------------------------------------------------------

HEAVY = ("pandas", "matplotlib", "ipywidgets", "IPython", "numpy")


def test_importing_and_assessing_loads_no_heavy_module():
    probe = ("import sys, ipt_lib.pathway as p\n"
             "print(' '.join(sorted(sys.modules)))\n"
             "log = p.TraineeLog(); log.add(date='2025-01-06', kind='training', amount=16)\n"
             "p.assess(log, 'isipt', 'therapist').summary(); p.assess(log, 'isipt', 'therapist')._repr_html_()\n"
             "print(' '.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                         cwd=ROOT).stdout.splitlines()
    after_import, after_assess = set(out[0].split()), set(out[1].split())
    assert not {m for m in after_assess if m.split(".")[0] in HEAVY}
    assert "tomllib" not in after_import
