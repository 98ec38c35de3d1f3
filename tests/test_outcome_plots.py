"""Trajectory figures: phases shaded, one line per client or group, honest counts, clear errors."""

import pandas as pd
import pytest

from ipt_lib import plots
from ipt_lib.caseload import CohortNotFound, load_cohort
from ipt_lib.measures import MeasureError


@pytest.fixture(scope="module")
def cohort():
    return load_cohort()


def _spans(ax):
    return [p for p in ax.patches if p.get_width() > 0]


def test_individual_trajectories_one_line_per_client_with_phases(cohort):
    clients, scores = cohort
    fig = plots.trajectories(scores, ["C001", "C029"])
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["C001", "C029"]
    assert [t.get_text() for t in ax.texts if t.get_text() in ("initial", "middle", "ending")] == \
        ["initial", "middle", "ending"]
    assert len(_spans(ax)) == 3  # one shaded band per phase
    assert plots.to_png(fig)[:4] == b"\x89PNG"


def test_group_trajectory_prints_how_many_clients_each_mean_covers(cohort):
    clients, scores = cohort
    fig = plots.group_trajectory(scores, clients, by="problem_area")
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == sorted(clients["problem_area"].unique())
    counts = [t.get_text() for t in ax.texts if t.get_text().isdigit()]
    assert counts[0] == str(len(clients)) and len(counts) == 16
    assert int(counts[-1]) < len(clients)  # drop-outs and 12-session courses leave the later means


def test_bad_tables_get_clear_messages(cohort):
    clients, scores = cohort
    with pytest.raises(MeasureError, match="needs the columns"):
        plots.trajectories(scores.drop(columns="score"))
    with pytest.raises(MeasureError, match="No PHQ-9 scores for: C999"):
        plots.trajectories(scores, ["C999"])
    bad = scores.copy()
    bad.loc[bad.index[0], "score"] = 40
    with pytest.raises(MeasureError, match="outside 0-27"):
        plots.trajectories(bad)
    with pytest.raises(MeasureError, match="pass the clients table"):
        plots.group_trajectory(scores, by="problem_area")
    with pytest.raises(MeasureError, match="no BDI-II scores"):
        plots.group_trajectory(scores, measure="BDI-II")


def test_hamd_plot_has_no_invented_bands(cohort):
    clients, scores = cohort
    fig = plots.group_trajectory(scores, measure="HAM-D-17")
    ax = fig.axes[0]
    assert not [t for t in ax.texts if t.get_text() in ("mild", "moderate", "severe")]


def test_missing_cohort_is_a_clear_message(tmp_path, monkeypatch):
    import ipt_lib.caseload as caseload

    real = caseload.COURSE_DATA
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IPT_COHORT_DIR", raising=False)
    monkeypatch.setattr(caseload, "COURSE_DATA", tmp_path / "no-repo")
    monkeypatch.setattr(caseload, "PACKAGED", tmp_path / "no-package")
    with pytest.raises(CohortNotFound, match="IPT_COHORT_DIR"):
        load_cohort(tmp_path / "nowhere")
    monkeypatch.setenv("IPT_COHORT_DIR", str(real))
    clients, scores = load_cohort()
    assert len(clients) == 320 and pd.api.types.is_datetime64_any_dtype(clients["onset_date"])
