"""Measurement helpers: band edges on both sides of every cut-off, response and remission, bad input."""

import pandas as pd
import pytest

from ipt_lib.errors import StudentFacingError
from ipt_lib.measures import (MeasureError, check_score, is_partial_response, is_remission, is_response,
                              percent_change, phase_bounds, phase_of_session, remission_series, response_series,
                              scale, severity, severity_series)

# Every band edge from shared/ipt-reference.md §6.2 and §6.3: (scale, last score of one band, its band, next band)
EDGES = [
    ("PHQ-9", 4, "none-minimal", "mild"),
    ("PHQ-9", 9, "mild", "moderate"),
    ("PHQ-9", 14, "moderate", "moderately severe"),
    ("PHQ-9", 19, "moderately severe", "severe"),
    ("BDI-II", 13, "minimal", "mild"),
    ("BDI-II", 19, "mild", "moderate"),
    ("BDI-II", 28, "moderate", "severe"),
]


@pytest.mark.parametrize("name, last, below, above", EDGES)
def test_band_edges_on_both_sides(name, last, below, above):
    assert severity(name, last) == below
    assert severity(name, last + 1) == above


@pytest.mark.parametrize("name, low, high, first, top", [("PHQ-9", 0, 27, "none-minimal", "severe"),
                                                          ("BDI-II", 0, 63, "minimal", "severe")])
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
    for bad in ("GAD-7", "", None, 9):
        with pytest.raises(MeasureError):
            scale(bad)


@pytest.mark.parametrize("planned", [12, 13, 14, 15, 16])
def test_phases_cover_every_session_in_order(planned):
    for scheme in ("guide", "ipt-uk") if planned == 16 else ("guide",):
        phases = [phase_of_session(s, planned, scheme) for s in range(1, planned + 1)]
        assert phases == sorted(phases, key=["initial", "middle", "ending"].index)
        assert phases[0] == "initial" and phases[-1] == "ending" and "middle" in phases


def test_phase_boundaries_follow_the_reference():
    assert phase_bounds(16, "guide") == {"initial": (1, 3), "middle": (4, 13), "ending": (14, 16)}
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

