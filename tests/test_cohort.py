"""The synthetic cohort: deterministic, valid, plausible in the directions the reference reports."""

import io
import shutil

import pandas as pd
import pytest

from ipt_lib.course import cohort
from ipt_lib.course.cli import main as cli_main

ROOT = cohort.cohort_dir().parents[1]
FOLDER = ROOT / "data" / "cohort"


@pytest.fixture(scope="module")
def tables():
    return pd.read_csv(FOLDER / "clients.csv"), pd.read_csv(FOLDER / "scores.csv")


def test_same_seed_same_bytes_and_committed_files_match():
    first, second = cohort.generate().csv_text(), cohort.generate().csv_text()
    assert first == second
    assert (FOLDER / "clients.csv").read_text(encoding="utf-8") == first[0]
    assert (FOLDER / "scores.csv").read_text(encoding="utf-8") == first[1]
    assert cohort.generate(seed=cohort.SEED + 1).csv_text() != first
    files = cohort.generate().files()
    assert list(files) == list(cohort.FILES)
    for name, text in files.items():
        assert (FOLDER / name).read_text(encoding="utf-8") == text, name


def test_rebuild_command_writes_identical_files(tmp_path, monkeypatch, capsys):
    copy = tmp_path / "data" / "cohort"
    copy.parent.mkdir()
    monkeypatch.setattr(cohort, "cohort_dir", lambda repo=None: copy)
    assert cli_main(["cohort"]) == 0
    for name in cohort.FILES:
        assert (copy / name).read_bytes() == (FOLDER / name).read_bytes()
    assert cli_main(["cohort", "--check"]) == 0
    (copy / "scores.csv").write_text((copy / "scores.csv").read_text().replace(",PHQ-9,", ",PHQ9,", 1))
    assert cli_main(["cohort", "--check"]) == 1
    assert "measure" in capsys.readouterr().out


def test_committed_cohort_passes_the_schema_check():
    assert cohort.check(FOLDER) == []


def test_schema(tables):
    clients, scores = tables
    assert len(clients) == cohort.N_CLIENTS and clients["client_id"].is_unique
    assert clients["planned_sessions"].between(12, 16).all()
    completers = clients[clients["dropped_out"] == "no"]
    assert (completers["last_session"] == completers["planned_sessions"]).all()
    dropouts = clients[clients["dropped_out"] == "yes"]
    assert (dropouts["last_session"] < dropouts["planned_sessions"]).all() and len(dropouts) > 20
    for measure, (low, high) in cohort.MEASURES.items():
        part = scores[scores["measure"] == measure]["score"]
        assert part.between(low, high).all() and len(part)
    phq = scores[scores["measure"] == "PHQ-9"]
    assert (phq[phq["session"] == 1]["score"] >= 10).all()           # entry criterion
    hamd = scores[(scores["measure"] == "HAM-D-17") & (scores["session"] == 1)]
    assert len(hamd) == len(clients) and (hamd["score"] >= 14).all()
    dated = clients.dropna(subset=["event_date"])
    assert (pd.to_datetime(clients["onset_date"]) < pd.to_datetime(clients["intake_date"])).all()
    assert len(dated) < len(clients)                                  # some clients have no acute event
    assert set(clients.loc[clients["event_date"].isna(), "event_type"]) == {cohort.NO_EVENT}


def test_plausible_directions(tables):
    """The directions the reference reports (ref §3.4, §1.3): deficits do worst and drop out most; scores fall."""
    clients, scores = tables
    phq = scores[scores["measure"] == "PHQ-9"].sort_values("session")
    base = phq.groupby("client_id")["score"].first()
    last = phq.groupby("client_id")["score"].last()
    c = clients.set_index("client_id")
    c["response"] = (2 * last <= base) & (c["dropped_out"] == "no")
    by_area = c.groupby("problem_area")["response"].mean()
    assert by_area.idxmin() == "interpersonal deficits"
    assert c["dropped_out"].eq("yes").groupby(c["problem_area"]).mean().idxmax() == "interpersonal deficits"
    means = phq.groupby("session")["score"].mean()
    assert means.loc[1] - means.loc[8] > 3 and means.loc[12] < means.loc[4]
    assert 0.3 < c["response"].mean() < 0.7
    assert (last > base).any()                                        # some clients get worse
    weekly_drop = means.diff()
    assert weekly_drop.loc[4:8].mean() < weekly_drop.loc[2:3].mean()  # most change in weeks 4-8


@pytest.mark.parametrize("damage, expected", [
    (lambda t: t.replace("client_id,age", "id,age", 1), "columns"),
    (lambda t: t.replace(",individual,", ",solo,", 1), "setting"),
    (lambda t: t.replace(",no,", ",maybe,", 1), "dropped_out"),
    (lambda t: t + "C999,40,woman,adult,grief\n", "wrong number of fields"),
])
def test_damaged_clients_file_is_reported_with_row_and_column(tmp_path, damage, expected):
    shutil.copytree(FOLDER, tmp_path / "c")
    path = tmp_path / "c" / "clients.csv"
    path.write_text(damage(path.read_text()))
    problems = cohort.check(tmp_path / "c")
    assert problems and any(expected in p for p in problems), problems
    assert all("clients.csv" in p or "scores.csv" in p for p in problems)


def test_damaged_scores_are_reported(tmp_path):
    shutil.copytree(FOLDER, tmp_path / "c")
    path = tmp_path / "c" / "scores.csv"
    lines = path.read_text().splitlines()
    header, first = lines[0], lines[1].split(",")
    first[-1] = "31"  # PHQ-9 out of range
    lines[1] = ",".join(first)
    path.write_text("\n".join(lines) + "\n")
    problems = cohort.check(tmp_path / "c")
    assert any("row 2, score: 31 is outside the PHQ-9 range" in p for p in problems), problems


def test_missing_file(tmp_path):
    assert any("cannot be read" in p for p in cohort.check(tmp_path))


def test_csv_text_reads_back(tables):
    clients, _ = tables
    text, _ = cohort.generate(n=5).csv_text()
    assert list(pd.read_csv(io.StringIO(text)).columns) == list(clients.columns)


# --- item-level PHQ-9 (phq9_items.csv) --------------------------------------------------------------------

ITEMS = [f"phq9_{n}" for n in range(1, 10)]


@pytest.fixture(scope="module")
def items(tables):
    _, scores = tables
    table = pd.read_csv(FOLDER / "phq9_items.csv")
    phq = scores[scores["measure"] == "PHQ-9"][["client_id", "session", "score"]]
    return table.merge(phq, on=["client_id", "session"], how="outer", validate="one_to_one", indicator=True)


def test_the_items_do_not_touch_the_other_files(monkeypatch):
    """The items come from their own stream: the cohort made without them is byte for byte the committed one."""
    with_items = cohort.generate()
    monkeypatch.setattr(cohort, "phq9_items", lambda clients, scores, seed: [])
    without = cohort.generate()
    assert without.items == [] and without.csv_text() == with_items.csv_text()
    assert without.csv_text() == tuple((FOLDER / n).read_text(encoding="utf-8") for n in ("clients.csv", "scores.csv"))
    assert cohort.phq9_items(with_items.clients, with_items.scores, "another stream") != with_items.items


def test_every_phq9_has_nine_items_that_sum_to_its_total(items):
    assert (items["_merge"] == "both").all()              # one item row per PHQ-9, no more, no fewer
    assert items[ITEMS].isin([0, 1, 2, 3]).all().all()
    assert (items[ITEMS].sum(axis=1) == items["score"]).all()
    assert pd.read_csv(FOLDER / "phq9_items.csv")[["client_id", "session"]].apply(tuple, axis=1).tolist() == \
        [tuple(r) for r in pd.read_csv(FOLDER / "scores.csv").query("measure == 'PHQ-9'")[["client_id", "session"]]
         .itertuples(index=False)]                         # the same order as scores.csv


def test_item9_pattern_is_the_documented_one(items):
    """Mostly 0; above 0 more often at high totals; above 0 in a few clients with low totals (data/cohort/README.md)."""
    positive = items["phq9_9"] > 0
    assert 0.05 < positive.mean() < 0.2
    by_band = positive.groupby(pd.cut(items["score"], [-1, 9, 14, 19, 27])).mean()
    assert list(by_band) == sorted(by_band) and by_band.iloc[-1] > 4 * by_band.iloc[0]
    low = items[(items["score"] < 10) & positive]
    assert 5 <= low["client_id"].nunique() <= 0.15 * cohort.N_CLIENTS
    latest = items.sort_values("session").groupby("client_id").last()
    flagged, severe = set(latest.index[latest["phq9_9"] > 0]), set(latest.index[latest["score"] >= 20])
    assert flagged - severe and any(latest.loc[c, "score"] < 10 for c in flagged)   # a total alone misses them
    assert cohort.item9_chance(10) < cohort.item9_chance(20) < cohort.item9_chance(25)


@pytest.mark.parametrize("damage, expected", [
    (lambda lines: lines[:1] + [lines[1].rsplit(",", 1)[0] + ",4"] + lines[2:], "is not an item score 0-3"),
    (lambda lines: lines[:-1], "has a PHQ-9 total but no item scores"),
    (lambda lines: lines + [lines[-1]], "appears twice"),
    (lambda lines: [lines[0].replace("phq9_9", "item9")] + lines[1:], "columns"),
])
def test_damaged_items_file_is_reported(tmp_path, damage, expected):
    shutil.copytree(FOLDER, tmp_path / "c")
    path = tmp_path / "c" / "phq9_items.csv"
    path.write_text("\n".join(damage(path.read_text().splitlines())) + "\n")
    problems = cohort.check(tmp_path / "c")
    assert any(expected in p and "phq9_items.csv" in p for p in problems), problems


def test_items_that_do_not_sum_to_the_total_are_reported(tmp_path):
    shutil.copytree(FOLDER, tmp_path / "c")
    path = tmp_path / "c" / "phq9_items.csv"
    lines = path.read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = str((int(fields[2]) + 1) % 4)
    lines[1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    assert any("row 2: the items sum to" in p for p in cohort.check(tmp_path / "c"))


def test_load_phq9_items_reads_the_file_only_when_asked(tmp_path):
    from ipt_lib.caseload import CohortNotFound, load_cohort, load_phq9_items

    table = load_phq9_items(FOLDER)
    assert list(table.columns) == cohort.ITEM_COLUMNS and len(table) > 3000
    shutil.copy(FOLDER / "clients.csv", tmp_path)
    shutil.copy(FOLDER / "scores.csv", tmp_path)
    clients, _ = load_cohort(tmp_path)                     # the items file is not needed for the two tables
    assert len(clients) == cohort.N_CLIENTS
    with pytest.raises(CohortNotFound, match="phq9_items.csv"):
        load_phq9_items(tmp_path)
