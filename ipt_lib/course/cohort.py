"""The synthetic IPT caseload in data/cohort/: a seeded, documented generator and its schema check.

The cohort is made up for teaching. It is *plausible*, not real: the generator encodes the
directions that the cited sources report (course bibliography, notebooks/references.md), and nothing more
precise than that.

- 12-16 weekly sessions (ISIPT, n.d.-b; Weissman & Klerman, 1990); PHQ-9 at every attended session, HAM-D-17 at intake,
  mid-point and the last planned session (Kroenke et al., 2001; IPT Institute, n.d.-a; ICSI, n.d.).
- Improvement mostly between weeks 4 and 8 (IPT acted on mood in weeks 4-8 in the 16-week acute trial; DiMascio et al., 1979).
- Interpersonal deficits improve least and drop out most (the least favoured area, where patients may do
  worse; Weissman et al., 2018); most deficits clients have no acute life event (Weissman et al., 2018).
- Events usually come shortly before onset, sometimes after it (linkage, not aetiology; Focus review, 2006; Markowitz, 2016).
- Entry needs PHQ-9 10 or more and HAM-D-17 14 or more (the PHQ-9 cut-off for major depression; Kroenke et al., 2001; the TDCRP's HAM-D entry score; Elkin et al., 1989).

Nothing else is modelled: setting (individual or group), gender and age have **no** effect on outcome or
drop-out in the generator, so any difference a student finds between them is chance. Rebuild with
``ipt-course cohort`` (same seed, same bytes); check with ``ipt-course cohort --check``.

The nine PHQ-9 item scores of every PHQ-9 (phq9_items.csv) come from a second, separate stream
(``random.Random(ITEM_SEED)``), drawn after the whole cohort, so clients.csv and scores.csv are exactly what they
were before the items existed. The items are a made-up rule, not a model of how PHQ-9 items behave: they sum to
the total; item 9 (thoughts of being better off dead or of self-harm; Kroenke et al., 2001) is mostly 0, is above
0 more often at high totals, and stays above 0 in a few clients whose totals are low (a total alone can miss
risk; Simon et al., 2013). See data/cohort/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from dataclasses import dataclass
from pathlib import Path

SEED = 2026
N_CLIENTS = 320

CLIENT_COLUMNS = ["client_id", "age", "gender", "population", "problem_area", "setting", "planned_sessions",
                  "sessions_attended", "dropped_out", "last_session", "intake_date", "event_type", "event_date",
                  "onset_date"]
SCORE_COLUMNS = ["client_id", "session", "date", "measure", "score"]
ITEM_COLUMNS = ["client_id", "session"] + [f"phq9_{n}" for n in range(1, 10)]
FILES = ("clients.csv", "scores.csv", "phq9_items.csv")
ITEM_SEED = f"{SEED}:phq9-items"  # a str seed is hashed with SHA-512: the same stream on every machine
MEASURES = {"PHQ-9": (0, 27), "HAM-D-17": (0, 52)}
AREAS = ("grief", "role dispute", "role transition", "interpersonal deficits")
POPULATIONS = ("adolescent", "adult", "older adult", "perinatal")
SETTINGS = ("individual", "group")

# problem-area mix by population (weights), the expected proportional improvement and drop-out per area
_AREA_MIX = {
    "adolescent": (0.15, 0.40, 0.25, 0.20),
    "adult": (0.17, 0.35, 0.30, 0.18),
    "older adult": (0.38, 0.18, 0.32, 0.12),
    "perinatal": (0.07, 0.35, 0.55, 0.03),
}
_IMPROVEMENT = {"grief": 0.56, "role dispute": 0.58, "role transition": 0.60, "interpersonal deficits": 0.36}
_DROPOUT = {"grief": 0.15, "role dispute": 0.16, "role transition": 0.14, "interpersonal deficits": 0.32}
_AGES = {"adolescent": (12, 17), "adult": (18, 64), "older adult": (65, 89), "perinatal": (19, 43)}
_EVENTS = {
    "grief": {"adolescent": ["death of a parent", "death of a grandparent", "death of a close friend"],
              "adult": ["death of a partner", "death of a parent", "death of a sibling", "death of a close friend",
                        "death of a child"],
              "older adult": ["death of a partner", "death of a sibling", "death of a close friend",
                              "death of an adult child"],
              "perinatal": ["death of a parent", "stillbirth of a previous baby"]},
    "role dispute": {"adolescent": ["conflict with a parent", "conflict with a step-parent", "falling-out with a best friend"],
                     "adult": ["escalating conflict with a partner", "conflict with a co-parent",
                               "dispute with a sibling over a parent's care", "conflict with an adult child"],
                     "older adult": ["conflict with an adult child", "escalating conflict with a partner",
                                     "dispute with a sibling over an inheritance"],
                     "perinatal": ["escalating conflict with a partner", "conflict with a mother-in-law"]},
    "role transition": {"adolescent": ["move to a new school", "parents' separation", "diagnosis of a chronic illness"],
                        "adult": ["job loss", "migration to a new country", "separation or divorce",
                                  "diagnosis of a serious illness", "becoming a carer", "starting university"],
                        "older adult": ["retirement", "becoming a carer for a partner", "move into sheltered housing",
                                        "diagnosis of a serious illness"],
                        "perinatal": ["birth of a child", "birth of a child", "return to work after birth"]},
    "interpersonal deficits": {p: ["loss of contact with an only friend"] for p in POPULATIONS},
}
NO_EVENT = "no acute event"


@dataclass
class Cohort:
    clients: list[dict]
    scores: list[dict]
    items: list[dict]

    def csv_text(self) -> tuple[str, str]:
        return _csv(CLIENT_COLUMNS, self.clients), _csv(SCORE_COLUMNS, self.scores)

    def files(self) -> dict[str, str]:
        """File name -> text, for every file in data/cohort/ (FILES)."""
        clients, scores = self.csv_text()
        return dict(zip(FILES, (clients, scores, _csv(ITEM_COLUMNS, self.items))))


def _csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, int(round(value))))


def _progress(session: int, total: int, midpoint: float, spread: float) -> float:
    """Share of the client's eventual improvement reached by ``session``: 0 at session 1, 1 at the last."""
    def logistic(k: float) -> float:
        return 1.0 / (1.0 + math.exp(-(k - midpoint) / spread))

    first, last = logistic(1), logistic(total)
    return (logistic(session) - first) / (last - first)


def generate(seed: int = SEED, n: int = N_CLIENTS) -> Cohort:
    """The whole cohort, from ``random.Random(seed)`` only (no numpy, no clock): same seed, same bytes."""
    rng = random.Random(seed)
    clients, scores = [], []
    start = dt.date(2023, 9, 4)
    for number in range(1, n + 1):
        cid = f"C{number:03d}"
        population = rng.choices(POPULATIONS, weights=(0.18, 0.52, 0.18, 0.12))[0]
        low, high = _AGES[population]
        age = rng.randint(low, high)
        gender = "woman" if population == "perinatal" else rng.choices(
            ("woman", "man", "non-binary"), weights=(0.57, 0.39, 0.04))[0]
        area = rng.choices(AREAS, weights=_AREA_MIX[population])[0]
        setting = rng.choices(SETTINGS, weights=(0.7, 0.3))[0]
        planned = rng.choice((12, 12, 14, 16, 16, 16)) if setting == "individual" else rng.choice((12, 16))
        intake = start + dt.timedelta(days=rng.randint(0, 560))

        # onset before intake; the interpersonal event usually shortly before onset, sometimes after it
        onset = intake - dt.timedelta(days=rng.randint(21, 240))
        if area == "interpersonal deficits" and rng.random() < 0.8:
            event_type, event_date = NO_EVENT, ""
        else:
            event_type = rng.choice(_EVENTS[area][population])
            lag = -rng.randint(3, 45) if rng.random() < 0.08 else min(int(rng.expovariate(1 / 38)), 300)
            event_date = (onset - dt.timedelta(days=lag)).isoformat()

        # severity at entry and the course of improvement
        phq0 = _clip(rng.gauss(16.5 + (0.8 if area == "interpersonal deficits" else 0), 4.0), 10, 27)
        hamd0 = _clip(0.85 * phq0 + 6 + rng.gauss(0, 3), 14, 40)
        improvement = max(-0.45, min(0.95, rng.gauss(_IMPROVEMENT[area], 0.27)))
        hamd_improvement = max(-0.45, min(0.95, improvement + rng.gauss(0, 0.08)))
        midpoint, spread = 6 + rng.gauss(0, 1.5), 1.6 + rng.random()

        dropped = rng.random() < _DROPOUT[area] + (0.04 if population == "adolescent" else 0)
        if dropped:
            last = rng.choices(range(2, planned - 1), weights=[1 / k for k in range(2, planned - 1)])[0]
        else:
            last = planned
        hamd_sessions = {1, planned // 2, planned}
        attended = 0
        for session in range(1, last + 1):
            if 1 < session < last and rng.random() < 0.06:
                continue  # a missed session: no scores that week
            attended += 1
            date = (intake + dt.timedelta(days=7 * (session - 1) + (rng.choice((-1, 0, 0, 0, 1)) if session > 1 else 0)))
            share = _progress(session, planned, midpoint, spread)
            phq = phq0 if session == 1 else _clip(phq0 * (1 - improvement * share) + rng.gauss(0, 1.6), 0, 27)
            scores.append({"client_id": cid, "session": session, "date": date.isoformat(), "measure": "PHQ-9",
                           "score": phq})
            if session in hamd_sessions:
                hamd = hamd0 if session == 1 else _clip(hamd0 * (1 - hamd_improvement * share) + rng.gauss(0, 2.2), 0, 52)
                scores.append({"client_id": cid, "session": session, "date": date.isoformat(),
                               "measure": "HAM-D-17", "score": hamd})
        clients.append({
            "client_id": cid, "age": age, "gender": gender, "population": population, "problem_area": area,
            "setting": setting, "planned_sessions": planned, "sessions_attended": attended,
            "dropped_out": "yes" if dropped else "no", "last_session": last, "intake_date": intake.isoformat(),
            "event_type": event_type, "event_date": event_date, "onset_date": onset.isoformat(),
        })
    return Cohort(clients, scores, phq9_items(clients, scores, f"{seed}:phq9-items"))


# --- item-level PHQ-9 (a second stream: clients.csv and scores.csv do not change) ------------------------

# How often item 9 is above 0 at a given total: about 2% at 10, 10% at 15, 30% at 20, 55% at 25 (invented).
ITEM9_BASE, ITEM9_RISE, ITEM9_MIDPOINT, ITEM9_SPREAD = 0.01, 0.75, 22.0, 3.0
# Share of clients whose passive thoughts of death persist while other symptoms ease (item 9 stays at 1).
PERSISTENT_SHARE = 0.03
# Relative weight of items 1-8 when the rest of the total is spread over them (invented, mood and energy first).
_ITEM_WEIGHTS = (1.4, 1.4, 1.2, 1.4, 1.0, 1.1, 0.9, 0.6)


def item9_chance(total: int) -> float:
    """The generator's chance that item 9 is above 0 at a given total (before the client's own propensity)."""
    return ITEM9_BASE + ITEM9_RISE / (1 + math.exp(-(total - ITEM9_MIDPOINT) / ITEM9_SPREAD))


def phq9_items(clients: list[dict], scores: list[dict], seed: str = ITEM_SEED) -> list[dict]:
    """One row per PHQ-9 in ``scores``, in the same order: nine item scores (0-3) that sum to its total."""
    rng = random.Random(seed)
    trait = {}
    for client in clients:  # drawn once per client, in file order
        persistent = rng.random() < PERSISTENT_SHARE
        trait[client["client_id"]] = (persistent, 0.3 + 1.4 * rng.random())
    rows = []
    for row in scores:
        if row["measure"] != "PHQ-9":
            continue
        total = int(row["score"])
        persistent, propensity = trait[row["client_id"]]
        if persistent and total >= 3:
            item9 = 1 if rng.random() < 0.85 else 2
        elif rng.random() < min(0.95, item9_chance(total) * propensity):
            item9 = rng.choices((1, 2, 3), weights=(0.6, 0.3, 0.1))[0]
        else:
            item9 = 0
        item9 = max(total - 24, min(item9, total, 3))  # items 1-8 can hold at most 24
        items = [0] * 8
        for _ in range(total - item9):
            open_items = [i for i in range(8) if items[i] < 3]
            items[rng.choices(open_items, weights=[_ITEM_WEIGHTS[i] for i in open_items])[0]] += 1
        rows.append({"client_id": row["client_id"], "session": row["session"],
                     **{f"phq9_{n}": v for n, v in enumerate(items + [item9], 1)}})
    return rows


def cohort_dir(repo: Path | None = None) -> Path:
    from .cells import repo_root

    return (repo or repo_root()) / "data" / "cohort"


def write(folder: Path, seed: int = SEED, n: int = N_CLIENTS) -> list[Path]:
    from ..storage import atomic_write_text

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in generate(seed, n).files().items():
        atomic_write_text(folder / name, text)
        paths.append(folder / name)
    return paths


# --- schema check ------------------------------------------------------------------------------------

def check(folder: Path) -> list[str]:
    """Every problem in the cohort files, each naming the file, row and column; empty when all is well."""
    problems: list[str] = []
    clients = _read(folder / "clients.csv", CLIENT_COLUMNS, problems)
    scores = _read(folder / "scores.csv", SCORE_COLUMNS, problems)
    if clients is None or scores is None:
        return problems
    by_id: dict[str, dict] = {}
    for row_number, row in clients:
        where = f"clients.csv row {row_number}"
        cid = row["client_id"]
        if cid in by_id:
            problems.append(f"{where}, client_id: {cid} appears twice")
        by_id[cid] = row
        try:
            planned, attended, last = int(row["planned_sessions"]), int(row["sessions_attended"]), int(row["last_session"])
            age = int(row["age"])
        except ValueError as exc:
            problems.append(f"{where}: not a whole number ({exc})")
            continue
        if not 12 <= planned <= 16:
            problems.append(f"{where}, planned_sessions: {planned} is outside 12-16")
        if row["dropped_out"] not in ("yes", "no"):
            problems.append(f"{where}, dropped_out: {row['dropped_out']!r} is not yes/no")
        elif row["dropped_out"] == "no" and last != planned:
            problems.append(f"{where}, last_session: a completer's last session must be the planned {planned}")
        elif row["dropped_out"] == "yes" and not 1 <= last < planned:
            problems.append(f"{where}, last_session: a drop-out's last session must come before {planned}")
        if not 1 <= attended <= last:
            problems.append(f"{where}, sessions_attended: {attended} is not within 1-{last}")
        low, high = _AGES.get(row["population"], (None, None))
        if low is None:
            problems.append(f"{where}, population: {row['population']!r} is not one of {', '.join(POPULATIONS)}")
        elif not low <= age <= high:
            problems.append(f"{where}, age: {age} does not fit population {row['population']}")
        for column, allowed in (("problem_area", AREAS), ("setting", SETTINGS)):
            if row[column] not in allowed:
                problems.append(f"{where}, {column}: {row[column]!r} is not one of {', '.join(allowed)}")
        try:
            intake, onset = dt.date.fromisoformat(row["intake_date"]), dt.date.fromisoformat(row["onset_date"])
            if onset >= intake:
                problems.append(f"{where}, onset_date: onset must come before intake")
            if row["event_date"]:
                dt.date.fromisoformat(row["event_date"])
            elif row["event_type"] != NO_EVENT:
                problems.append(f"{where}, event_date: missing although event_type is {row['event_type']!r}")
        except ValueError as exc:
            problems.append(f"{where}: bad date ({exc})")
    seen: dict[str, list[tuple[int, str, str, int]]] = {}
    for row_number, row in scores:
        where = f"scores.csv row {row_number}"
        client = by_id.get(row["client_id"])
        if client is None:
            problems.append(f"{where}, client_id: {row['client_id']!r} is not in clients.csv")
            continue
        try:
            session, score = int(row["session"]), int(row["score"])
            dt.date.fromisoformat(row["date"])
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        if row["measure"] not in MEASURES:
            problems.append(f"{where}, measure: {row['measure']!r} is not one of {', '.join(MEASURES)}")
            continue
        low, high = MEASURES[row["measure"]]
        if not low <= score <= high:
            problems.append(f"{where}, score: {score} is outside the {row['measure']} range {low}-{high}")
        if not 1 <= session <= int(client["last_session"]):
            problems.append(f"{where}, session: {session} is after the client's last session")
        seen.setdefault(row["client_id"], []).append((session, row["date"], row["measure"], score))
    for cid, client in by_id.items():
        rows = seen.get(cid, [])
        phq = sorted((s, d) for s, d, m, _ in rows if m == "PHQ-9")
        sessions = [s for s, _ in phq]
        if len(set(sessions)) != len(sessions):
            problems.append(f"scores.csv, client {cid}: a session has two PHQ-9 scores")
        if not sessions or sessions[0] != 1 or sessions[-1] != int(client["last_session"]):
            problems.append(f"scores.csv, client {cid}: PHQ-9 must be given at session 1 and the last session")
        if len(sessions) != int(client["sessions_attended"]):
            problems.append(f"clients.csv, client {cid}, sessions_attended: does not match the {len(sessions)} "
                            "sessions with a PHQ-9 score")
        dates = [d for _, d in phq]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            problems.append(f"scores.csv, client {cid}: session dates are not in order")
        if phq and phq[0][1] != client["intake_date"]:
            problems.append(f"scores.csv, client {cid}: session 1 is not on the intake date")
        hamd = {s for s, _, m, _ in rows if m == "HAM-D-17"}
        planned = int(client["planned_sessions"])
        if not hamd <= {1, planned // 2, planned} or 1 not in hamd:
            problems.append(f"scores.csv, client {cid}: HAM-D-17 belongs at intake, mid-point ({planned // 2}) "
                            f"and end ({planned}) only, and intake is required")
    problems += _check_items(folder, scores)
    return problems


def _check_items(folder: Path, scores: list[tuple[int, dict]]) -> list[str]:
    """phq9_items.csv: one row per PHQ-9 in scores.csv, same client and session, items 0-3 summing to the total."""
    problems: list[str] = []
    items = _read(folder / "phq9_items.csv", ITEM_COLUMNS, problems)
    if items is None:
        return problems
    totals = {}
    for _, row in scores:
        if row["measure"] == "PHQ-9":
            totals[(row["client_id"], row["session"])] = row["score"]
    seen = set()
    for row_number, row in items:
        where = f"phq9_items.csv row {row_number}"
        key = (row["client_id"], row["session"])
        if key in seen:
            problems.append(f"{where}: client {key[0]} session {key[1]} appears twice")
        seen.add(key)
        if key not in totals:
            problems.append(f"{where}: client {key[0]} session {key[1]} has no PHQ-9 total in scores.csv")
            continue
        values = []
        for column in ITEM_COLUMNS[2:]:
            text = row[column]
            if not (text.isdigit() and 0 <= int(text) <= 3):
                problems.append(f"{where}, {column}: {text!r} is not an item score 0-3")
            else:
                values.append(int(text))
        if len(values) == 9 and str(sum(values)) != totals[key]:
            problems.append(f"{where}: the items sum to {sum(values)}, but the PHQ-9 total in scores.csv is "
                            f"{totals[key]}")
    for cid, session in sorted(set(totals) - seen):
        problems.append(f"phq9_items.csv: client {cid} session {session} has a PHQ-9 total but no item scores")
    return problems


def _read(path: Path, columns: list[str], problems: list[str]):
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append(f"{path.name}: cannot be read ({exc.strerror or exc})")
        return None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != columns:
        problems.append(f"{path.name}: columns are {reader.fieldnames}, expected {columns}")
        return None
    rows = []
    for number, row in enumerate(reader, start=2):  # row 1 is the header, as a spreadsheet numbers it
        if None in row or any(v is None for v in row.values()):
            problems.append(f"{path.name} row {number}: wrong number of fields")
            continue
        rows.append((number, row))
    return rows
