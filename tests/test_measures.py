"""Measurement helpers: band edges on both sides of every cut-off, response and remission, bad input."""

import pandas as pd
import pytest

from ipt_lib.errors import StudentFacingError
from ipt_lib.measures import (MeasureError, check_score, is_partial_response, is_remission, is_response,
                              percent_change, phase_bounds, phase_of_session, remission_series, response_series,
                              scale, severity, severity_series)

# Every band edge from shared/ipt-reference.md §6.2, §6.3 and §12.1: (scale, last score of one band, its band, next band)
EDGES = [
    ("PHQ-9", 4, "none-minimal", "mild"),
    ("PHQ-9", 9, "mild", "moderate"),
    ("PHQ-9", 14, "moderate", "moderately severe"),
    ("PHQ-9", 19, "moderately severe", "severe"),
    ("BDI-II", 13, "minimal", "mild"),
    ("BDI-II", 19, "mild", "moderate"),
    ("BDI-II", 28, "moderate", "severe"),
    ("GAD-7", 4, "minimal", "mild"),
    ("GAD-7", 9, "mild", "moderate"),
    ("GAD-7", 14, "moderate", "severe"),
]


@pytest.mark.parametrize("name, last, below, above", EDGES)
def test_band_edges_on_both_sides(name, last, below, above):
    assert severity(name, last) == below
    assert severity(name, last + 1) == above


@pytest.mark.parametrize("name, low, high, first, top", [("PHQ-9", 0, 27, "none-minimal", "severe"),
                                                          ("BDI-II", 0, 63, "minimal", "severe"),
                                                          ("GAD-7", 0, 21, "minimal", "severe")])
def test_range_ends_and_beyond(name, low, high, first, top):
    assert severity(name, low) == first and severity(name, high) == top
    for bad in (low - 1, high + 1):
        with pytest.raises(MeasureError, match="outside"):
            severity(name, bad)


def test_bdi_trap_is_explained_not_guessed():
    with pytest.raises(MeasureError, match="original BDI") as info:
        severity("BDI", 12)
    assert "0-9 / 10-18 / 19-29 / 30-63" in str(info.value)
    assert scale("bdi-2").name == "BDI-II" and scale("BDI II").name == "BDI-II"
    # the original BDI's bands would call 18 "mild"; the BDI-II calls it mild too, but 12 minimal, 29 severe
    assert severity("BDI-II", 12) == "minimal" and severity("BDI-II", 29) == "severe"


def test_hamd_has_no_bands_in_the_reference_but_has_remission():
    with pytest.raises(MeasureError, match="no severity bands"):
        severity("HAM-D-17", 12)
    assert scale("HRSD").name == scale("hamd").name == "HAM-D-17"
    assert is_remission("HAM-D-17", 7) and not is_remission("HAM-D-17", 8)
    assert check_score("HAM-D-17", 52) == 52
    with pytest.raises(MeasureError):
        check_score("HAM-D-17", 53)


def test_phq9_remission_is_below_five():
    assert is_remission("PHQ-9", 4) and not is_remission("PHQ-9", 5)
    with pytest.raises(MeasureError, match="no remission cut-off"):
        is_remission("BDI-II", 5)


@pytest.mark.parametrize("baseline, score, response, partial", [
    (20, 10, True, False),    # exactly 50%: response ("50% or greater")
    (20, 11, False, True),    # 45%
    (19, 9, True, False),     # 52.6%
    (19, 10, False, True),    # 47.4%
    (20, 15, False, True),    # exactly 25%: partial
    (20, 16, False, False),   # 20%
    (12, 0, True, False),
    (10, 14, False, False),   # worse
])
def test_response_edges(baseline, score, response, partial):
    assert is_response(baseline, score) is response
    assert is_partial_response(baseline, score) is partial


def test_percent_change_and_zero_baseline():
    assert percent_change(20, 10) == -50.0
    with pytest.raises(MeasureError, match="baseline"):
        is_response(0, 0)


@pytest.mark.parametrize("bad, message", [
    (None, "missing"), (float("nan"), "missing"), (pd.NA, "missing"), ("12", "not a PHQ-9 score"),
    (True, "not a PHQ-9 score"), (12.5, "whole numbers"), (-1, "outside"), (28, "outside"),
])
def test_bad_scores_raise_clear_student_errors(bad, message):
    with pytest.raises(MeasureError, match=message) as info:
        severity("PHQ-9", bad)
    assert isinstance(info.value, StudentFacingError)
    assert info.value._render_traceback_()[1] == str(info.value)  # shown as a message, not a traceback


def test_numpy_and_float_whole_numbers_are_accepted():
    np = pytest.importorskip("numpy")
    assert severity("PHQ-9", np.int64(10)) == "moderate"
    assert severity("PHQ-9", 10.0) == "moderate"


def test_unknown_scale():
    for bad in ("PCL-5", "LSAS", "", None, 9):
        with pytest.raises(MeasureError):
            scale(bad)


def test_gad7_is_a_scale_with_its_aliases_and_no_remission_cut_off():
    assert scale("gad7").name == scale("GAD 7").name == "GAD-7"
    assert scale("GAD-7").low == 0 and scale("GAD-7").high == 21
    with pytest.raises(MeasureError, match="no GAD-7 remission"):
        is_remission("GAD-7", 3)
    with pytest.raises(MeasureError, match="outside"):
        severity("GAD-7", 22)


@pytest.mark.parametrize("planned", [12, 13, 14, 15, 16])
def test_phases_cover_every_session_in_order(planned):
    for scheme in ("focus-2006", "ipt-uk") if planned == 16 else ("focus-2006",):
        phases = [phase_of_session(s, planned, scheme) for s in range(1, planned + 1)]
        assert phases == sorted(phases, key=["initial", "middle", "ending"].index)
        assert phases[0] == "initial" and phases[-1] == "ending" and "middle" in phases


def test_phase_boundaries_follow_the_reference():
    assert phase_bounds(16, "focus-2006") == {"initial": (1, 3), "middle": (4, 13), "ending": (14, 16)}
    assert phase_bounds(16) == phase_bounds(16, "focus-2006")
    assert phase_bounds(16, "ipt-uk") == {"initial": (1, 4), "middle": (5, 12), "ending": (13, 16)}
    assert phase_of_session(3, 12) == "initial" and phase_of_session(4, 12) == "middle"
    assert phase_of_session(9, 12) == "middle" and phase_of_session(10, 12) == "ending"
    for bad in (0, 17, 2.5, "3", True):
        with pytest.raises(MeasureError):
            phase_of_session(bad, 16)
    with pytest.raises(MeasureError, match="scheme"):
        phase_of_session(3, 16, "stuart")
    with pytest.raises(MeasureError, match="16-session"):
        phase_of_session(3, 12, "ipt-uk")


@pytest.mark.parametrize("old", ["guide", "Guide", "GUIDE"])
def test_old_scheme_name_guide_says_what_it_is_now_called(old):
    with pytest.raises(MeasureError) as info:
        phase_of_session(3, 16, old)
    message = str(info.value)
    assert "focus-2006" in message and "a few" in message and "2018 Guide" in message
    with pytest.raises(MeasureError, match="focus-2006"):
        phase_bounds(16, old)


def test_no_phase_scheme_is_named_after_the_2018_guide():
    from ipt_lib.measures import PHASE_SCHEMES
    assert "guide" not in PHASE_SCHEMES
    assert all("Guide" not in scheme.source for scheme in PHASE_SCHEMES.values())


def test_series_helpers_keep_missing_explicit():
    scores = pd.Series([3, 9, None, 20])
    with pytest.raises(MeasureError, match="missing"):
        severity_series(scores)
    bands = severity_series(scores, missing="keep")
    assert list(bands.astype(object).where(bands.notna(), None)) == ["none-minimal", "mild", None, "severe"]
    assert bands.cat.ordered
    resp = response_series(pd.Series([20, 20, None]), pd.Series([10, 11, 5]), missing="keep")
    assert resp.tolist()[:2] == [True, False] and resp.isna().tolist() == [False, False, True]
    rem = remission_series(pd.Series([4, 5]))
    assert rem.tolist() == [True, False]
    with pytest.raises(MeasureError, match="Row 1"):
        severity_series(pd.Series([3, 40]))
    with pytest.raises(MeasureError, match="pair up"):
        response_series(pd.Series([20, 20]), pd.Series([10]))


def test_import_is_cheap():
    import subprocess
    import sys

    code = ("import sys, ipt_lib.measures; bad = {'pandas', 'matplotlib', 'numpy'} & set(sys.modules); "
            "print(sorted(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"



# --- item-level reading (ref §6.2, §10.1, §10.6, §12.1) -------------------------------------------------

from ipt_lib.measures import EPDS_REVERSED, epds_band, read_epds, read_gad7, read_phq9, risk_review_needed  # noqa: E402


def test_phq9_items_give_total_and_band():
    reading = read_phq9([2, 2, 2, 2, 2, 2, 2, 2, 0])
    assert (reading.total, reading.band, reading.risk_review) == (16, "moderately severe", False)
    assert read_phq9([3] * 9).total == 27 and read_phq9([3] * 9).band == "severe"
    assert read_phq9([0] * 9).band == "none-minimal"


@pytest.mark.parametrize("item9", [1, 2, 3])
def test_phq9_item9_above_zero_needs_review_whatever_the_total(item9):
    low = read_phq9([0] * 8 + [item9])
    assert low.risk_review and low.total == item9 and low.band == "none-minimal"
    assert "risk review is needed whatever the total" in low.advice


def test_phq9_total_6_with_item9_of_1_is_a_risk_review():
    reading = read_phq9([1, 1, 1, 1, 1, 0, 0, 0, 1])
    assert (reading.total, reading.band, reading.risk_review) == (6, "mild", True)


def test_phq9_high_total_with_item9_zero_is_not_flagged_but_advice_says_zero_does_not_rule_out():
    reading = read_phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert reading.total == 24 and not reading.risk_review
    assert "does NOT rule risk out" in reading.advice and "71.6%" in reading.advice


def test_item_lists_of_the_wrong_length_are_refused_with_the_count():
    with pytest.raises(MeasureError, match="9 items, but 8"):
        read_phq9([0] * 8)
    with pytest.raises(MeasureError, match="9 items, but 10"):
        read_phq9([0] * 10)
    with pytest.raises(MeasureError, match="7 items, but 9"):
        read_gad7([0] * 9)
    with pytest.raises(MeasureError, match="10 items, but 9"):
        read_epds([0] * 9)
    with pytest.raises(MeasureError, match="pass the total instead"):
        read_phq9([12])
    with pytest.raises(MeasureError, match="looks like a total"):
        read_phq9(12)
    with pytest.raises(MeasureError, match="list of 9 item scores"):
        read_phq9("000000001")


@pytest.mark.parametrize("bad", [4, -1, 1.5, "1", True, None, float("nan")])
def test_out_of_range_or_non_numeric_items_name_the_item(bad):
    items = [0] * 9
    items[4] = bad
    with pytest.raises(MeasureError, match="item 5"):
        read_phq9(items)


def test_item_errors_are_student_facing():
    with pytest.raises(StudentFacingError):
        read_epds([0] * 9 + [5])


def test_whole_number_floats_and_numpy_items_are_accepted():
    np = pytest.importorskip("numpy")
    assert read_phq9(np.array([1] * 9)).total == 9
    assert read_phq9([1.0] * 9).total == 9


def test_gad7_items_and_band_edges():
    for items, band in (([0] * 7, "minimal"), ([1, 1, 1, 1, 0, 0, 0], "minimal"), ([1, 1, 1, 1, 1, 0, 0], "mild"),
                        ([2, 2, 2, 1, 1, 1, 0], "mild"), ([2, 2, 2, 1, 1, 1, 1], "moderate"),
                        ([2, 2, 2, 2, 2, 2, 2], "moderate"), ([3, 2, 2, 2, 2, 2, 2], "severe"), ([3] * 7, "severe")):
        reading = read_gad7(items)
        assert reading.band == band, (items, reading.total)
        assert not reading.risk_review and reading.safety_item is None


def test_epds_scores_are_taken_as_given_by_default():
    reading = read_epds([1, 1, 1, 1, 1, 1, 1, 1, 1, 0])
    assert reading.items == (1, 1, 1, 1, 1, 1, 1, 1, 1, 0) and reading.total == 9 and not reading.risk_review


def test_epds_positions_reverse_items_3_and_5_to_10_only():
    assert EPDS_REVERSED == (3, 5, 6, 7, 8, 9, 10)
    first_answer_everywhere = read_epds([0] * 10, positions=True)
    assert first_answer_everywhere.items == (0, 0, 3, 0, 3, 3, 3, 3, 3, 3)
    assert first_answer_everywhere.total == 21 and first_answer_everywhere.risk_review
    assert read_epds([3] * 10, positions=True).items == (3, 3, 0, 3, 0, 0, 0, 0, 0, 0)
    # the last answer printed on item 10 ("never") is a score of 0: no flag
    assert not read_epds([0] * 9 + [3], positions=True).risk_review


@pytest.mark.parametrize("item10", [1, 2, 3])
def test_epds_item10_above_zero_needs_review_whatever_the_total(item10):
    reading = read_epds([0] * 9 + [item10])
    assert reading.risk_review and reading.total == item10 and reading.band == "below 10"
    assert "any score above 0 on item 10" in reading.advice


def test_epds_cut_offs_on_both_sides():
    assert epds_band(9) == "below 10"
    assert epds_band(10).startswith("10-12") and epds_band(12).startswith("10-12")
    assert epds_band(13).startswith("13 or more") and epds_band(30).startswith("13 or more")
    assert read_epds([3] * 10).total == 30


def test_risk_review_needed_reads_each_questionnaire_by_name():
    assert risk_review_needed("PHQ-9", [0] * 8 + [1])
    assert not risk_review_needed("phq9", [3] * 8 + [0])
    assert risk_review_needed("EPDS", [0] * 9 + [1])
    assert not risk_review_needed("GAD-7", [3] * 7)
    with pytest.raises(MeasureError, match="Use one of"):
        risk_review_needed("BDI-II", [0] * 21)


def test_item_readers_are_exported_from_the_package_and_import_stays_cheap():
    import subprocess
    import sys

    code = ("import sys, ipt_lib; ipt_lib.read_phq9([0]*9); ipt_lib.read_epds([0]*10); "
            "print(sorted({'pandas', 'matplotlib', 'numpy'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
