"""Assignment 3 (analysing an IPT caseload): the answer key and the model solutions. INSTRUCTOR-ONLY.

This file lives in data/ so that it is never part of the installed package or the student version.
``ipt_lib.course.assignment3`` loads it to build source/a3_caseload/.

Two independent implementations of every answer:
- ``answer_key`` computes the key (and the value each typical mistake gives) with plain pandas here;
- ``SOLUTIONS`` is the model code placed in the instructor's notebook (removed from the student version).
The grading-cycle test submits the model solution and requires full marks, so the two must agree.
"""

from __future__ import annotations

import pandas as pd

# (name, kind, tolerance, points). Proportions: within 0.006, so two decimals are enough. Medians of whole
# numbers are exact or end in .5; weeks allow a quarter week for answers computed from dates.
ITEMS = [
    ("response_rate", "proportion", 0.006, 1),
    ("remission_rate", "proportion", 0.006, 1),
    ("response_by_area", "by_area", 0.006, 2),
    ("median_weeks_to_response", "number", 0.25, 1),
    ("dropout_by_setting", "by_setting", 0.006, 1),
    ("median_lag_days", "number", 0.5, 1),
    ("hamd_remission_completers", "proportion", 0.006, 1),
    ("deteriorated", "ids", 0.0, 2),
    ("risk_review", "ids", 0.0, 2),
]
ITEM9 = "phq9_9"  # PHQ-9 item 9: thoughts of being better off dead or of self-harm (Kroenke et al., 2001)

PHQ9_BAND_EDGES = [0, 5, 10, 15, 20]  # lower bounds of the bands (Kroenke et al., 2001)


def _band(score: pd.Series) -> pd.Series:
    return sum((score >= edge).astype(int) for edge in PHQ9_BAND_EDGES[1:])


def answer_key(clients: pd.DataFrame, scores: pd.DataFrame, items: pd.DataFrame) -> dict[str, dict]:
    """name -> {expected, kind, tol, points, mistakes}; mistakes too close to the key are dropped.
    ``items`` is phq9_items.csv (client_id, session, phq9_1 ... phq9_9)."""
    c = clients.set_index("client_id")
    completed = c["dropped_out"].eq("no")
    phq = scores[scores["measure"] == "PHQ-9"].sort_values(["client_id", "session"])
    base = phq[phq["session"] == 1].set_index("client_id")["score"].reindex(c.index)
    last = phq.groupby("client_id")["score"].last().reindex(c.index)
    worst = phq.groupby("client_id")["score"].max().reindex(c.index)
    responded_at_end = 2 * last <= base

    values: dict[str, tuple[object, dict]] = {}
    values["response_rate"] = ((responded_at_end & completed).mean(), {
        "completers": responded_at_end[completed].mean(),
        "locf": responded_at_end.mean(),
        "strict": ((2 * last < base) & completed).mean(),
    })
    values["remission_rate"] = (((last < 5) & completed).mean(), {
        "le5": ((last <= 5) & completed).mean(),
        "completers": (last < 5)[completed].mean(),
    })
    itt = (responded_at_end & completed).groupby(c["problem_area"]).mean()
    comp = responded_at_end[completed].groupby(c.loc[completed, "problem_area"]).mean()
    values["response_by_area"] = (itt.to_dict(), {"completers": comp.to_dict()})

    merged = phq.merge(base.rename("baseline"), left_on="client_id", right_index=True)
    reached = merged[2 * merged["score"] <= merged["baseline"]].groupby("client_id")["session"].min()
    weeks = reached - 1
    values["median_weeks_to_response"] = (float(weeks.median()), {"session_number": float(reached.median())})

    dropped = c["dropped_out"].eq("yes")
    by_setting = dropped.groupby(c["setting"]).mean()
    share = dropped[dropped].groupby(c.loc[dropped, "setting"]).size() / dropped.sum()
    values["dropout_by_setting"] = (by_setting.to_dict(), {"share_of_dropouts": share.to_dict()})

    onset = pd.to_datetime(c["onset_date"])
    event = pd.to_datetime(c["event_date"])
    intake = pd.to_datetime(c["intake_date"])
    lag = (onset - event).dt.days
    values["median_lag_days"] = (float(lag.dropna().median()), {
        "abs_lag": float(lag.dropna().abs().median()),
        "missing_as_zero": float(lag.fillna(0).median()),
        "to_intake": float((intake - event).dt.days.dropna().median()),
    })

    hamd = scores[scores["measure"] == "HAM-D-17"].merge(c[["planned_sessions"]], left_on="client_id",
                                                         right_index=True)
    end = hamd[hamd["session"] == hamd["planned_sessions"]].set_index("client_id")["score"]
    end = end[end.index.isin(c.index[completed])]
    values["hamd_remission_completers"] = (float((end <= 7).mean()), {
        "hamd_lt7": float((end < 7).mean()),
        "hamd_itt": float((end <= 7).sum() / len(c)),
    })

    worse = _band(last) > _band(base)
    values["deteriorated"] = (sorted(c.index[worse]), {
        "any_increase": sorted(c.index[last > base]),
        "max_score": sorted(c.index[_band(worst) > _band(base)]),
        "no_dropouts": sorted(c.index[worse & completed]),
    })

    values["risk_review"] = risk_review_values(c, phq, items)

    key = {}
    for name, kind, tol, points in ITEMS:
        expected, mistakes = values[name]
        expected = _plain(expected)
        kept = {code: _plain(v) for code, v in mistakes.items() if _distinct(_plain(v), expected, kind, tol)}
        key[name] = {"expected": expected, "kind": kind, "tol": tol, "points": points, "mistakes": kept}
    return key


def risk_review_values(c: pd.DataFrame, phq: pd.DataFrame, items: pd.DataFrame) -> tuple[list, dict]:
    """Who needs a risk review at their latest PHQ-9 (item 9 above 0, whatever the total), and the typical slips."""
    merged = phq.merge(items, on=["client_id", "session"], how="left", validate="one_to_one")
    merged = merged.sort_values(["client_id", "session"])
    latest = merged.groupby("client_id").last().reindex(c.index)
    first = merged.groupby("client_id").first().reindex(c.index)
    positive = latest[ITEM9] > 0
    return sorted(c.index[positive]), {
        "total_20": sorted(c.index[latest["score"] >= 20]),
        "gated_by_total": sorted(c.index[positive & (latest["score"] >= 10)]),
        "any_session": sorted(merged.loc[merged[ITEM9] > 0, "client_id"].unique()),
        "intake_item9": sorted(c.index[first[ITEM9] > 0]),
    }


def review_client(key: dict[str, dict]) -> str:
    """The client of the written 'what do you do now' question: the first who got worse and needs a risk review."""
    both = sorted(set(key["deteriorated"]["expected"]) & set(key["risk_review"]["expected"]))
    if not both:
        raise ValueError("no client both deteriorated and has item 9 above 0 at the latest PHQ-9: the written "
                         "risk question needs one (data/cohort, phq9_items.csv)")
    return both[0]


def _plain(value):
    if isinstance(value, dict):
        return {str(k): round(float(v), 6) for k, v in value.items()}
    if isinstance(value, list):
        return [str(v) for v in value]
    return round(float(value), 6)


def _distinct(wrong, right, kind: str, tol: float) -> bool:
    """A mistake is only worth naming if its value cannot be mistaken for the key."""
    if kind == "ids":
        return sorted(wrong) != sorted(right)
    if kind in ("by_area", "by_setting"):
        return any(abs(wrong.get(k, -9) - v) > 2 * tol for k, v in right.items())
    return abs(wrong - right) > 2 * tol


# Model solutions: the code of each answer cell in the instructor's notebook (between BEGIN/END SOLUTION).
# They use the tables the set-up cell makes: clients, scores, phq (PHQ-9 rows), hamd (HAM-D-17 rows).
SOLUTIONS = {
    "response_rate": """
first = phq.sort_values("session").groupby("client_id")["score"].first()
final = phq.sort_values("session").groupby("client_id")["score"].last()
outcome = clients.set_index("client_id").assign(baseline=first, final=final)
outcome["response"] = (outcome["final"] <= outcome["baseline"] / 2) & (outcome["dropped_out"] == "no")
response_rate = outcome["response"].mean()
""",
    "remission_rate": """
outcome["remission"] = (outcome["final"] < 5) & (outcome["dropped_out"] == "no")
remission_rate = outcome["remission"].mean()
""",
    "response_by_area": """
response_by_area = outcome.groupby("problem_area")["response"].mean()
""",
    "median_weeks_to_response": """
with_base = phq.merge(first.rename("baseline"), left_on="client_id", right_index=True)
hits = with_base[with_base["score"] <= with_base["baseline"] / 2]
first_hit = hits.groupby("client_id")["session"].min()
median_weeks_to_response = (first_hit - 1).median()
""",
    "dropout_by_setting": """
dropout_by_setting = (clients["dropped_out"] == "yes").groupby(clients["setting"]).mean()
""",
    "median_lag_days": """
dated = clients.dropna(subset=["event_date"])
lag = (dated["onset_date"] - dated["event_date"]).dt.days
median_lag_days = lag.median()
""",
    "hamd_remission_completers": """
ends = hamd.merge(clients, on="client_id")
ends = ends[(ends["session"] == ends["planned_sessions"]) & (ends["dropped_out"] == "no")]
hamd_remission_completers = (ends["score"] <= 7).mean()
""",
    "deteriorated": """
bands = ["none-minimal", "mild", "moderate", "moderately severe", "severe"]
start_band = outcome["baseline"].apply(lambda s: bands.index(severity("PHQ-9", s)))
end_band = outcome["final"].apply(lambda s: bands.index(severity("PHQ-9", s)))
deteriorated = sorted(outcome.index[end_band > start_band])
""",
    "risk_review": """
item_columns = [f"phq9_{n}" for n in range(1, 10)]
latest_items = items.sort_values("session").groupby("client_id")[item_columns].last()
risk_review = sorted(c for c, row in latest_items.iterrows() if risk_review_needed("PHQ-9", row))
""",
}

FIGURE_SOLUTION = """
fig, ax = plt.subplots(figsize=(8, 4.5))
shade_phases(ax, planned_sessions=16)
for area, rows in phq.merge(clients, on="client_id").groupby("problem_area"):
    means = rows.groupby("session")["score"].mean()
    ax.plot(means.index, means.values, marker="o", label=area)
ax.axhline(5, color="grey", ls=":", lw=1)
ax.set(xlabel="Session", ylabel="Mean PHQ-9 (0-27)", title="Mean PHQ-9 by session and problem area")
ax.legend(title="Problem area")
fig.text(0.01, 0.01, "Means of the clients seen at each session: drop-outs leave the later means.", fontsize=8)
"""


# --- the sample class (used by the instructor's main command and the tests) ------------------------------
# Code each sample student put in their answer cells; names not listed keep the student version's stub.
# The expected scores are in ipt_lib/course/samples.py (caseload_class); the code lives here because the
# right answers are solutions.

_S = SOLUTIONS
MISTAKE_CODE = {
    # counts completers only (a typical intention-to-treat slip)
    "response_rate": _S["response_rate"].replace('outcome["response"].mean()',
                                                 'outcome.loc[outcome["dropped_out"] == "no", "response"].mean()'),
    # counts a PHQ-9 of 5 as remission
    "remission_rate": _S["remission_rate"].replace('outcome["final"] < 5', 'outcome["final"] <= 5'),
    # gives the session number instead of weeks
    "median_weeks_to_response": _S["median_weeks_to_response"].replace("(first_hit - 1).median()",
                                                                       "first_hit.median()"),
    # three of the four clients, plus one who did not deteriorate
    "deteriorated": _S["deteriorated"] + "deteriorated = deteriorated[:3] + ['C001']\n",
    # flags the latest totals of 20 or more (the severe band) instead of reading item 9
    "risk_review": """
latest_total = phq.sort_values("session").groupby("client_id")["score"].last()
risk_review = sorted(latest_total.index[latest_total >= 20])
""",
}

ODD_FORMS = {
    # a 1-element Series instead of a number
    "response_rate": _S["response_rate"] + "response_rate = pd.Series([response_rate], name='rate')\n",
    # percentages turned back into proportions by hand, as numpy floats
    "remission_rate": _S["remission_rate"] + "import numpy as np\nremission_rate = np.float64(remission_rate * 100) / 100\n",
    # a dict keyed in capitals and with underscores
    "response_by_area": _S["response_by_area"] + (
        "response_by_area = {k.upper().replace(' ', '_'): v for k, v in response_by_area.items()}\n"),
    # a DataFrame column (a Series) keyed 'Individual', 'Group'
    "dropout_by_setting": _S["dropout_by_setting"] + "dropout_by_setting.index = dropout_by_setting.index.str.title()\n",
    # ids as a lower-case numpy array
    "deteriorated": _S["deteriorated"] + "import numpy as np\ndeteriorated = np.array([d.lower() for d in deteriorated])\n",
}

BAD_FORMS = {
    # a percentage where a proportion is asked for: the check says so, the item scores 0
    "response_rate": _S["response_rate"] + "response_rate = response_rate * 100\n",
    # one area left out: 3 of 4 areas right
    "response_by_area": _S["response_by_area"] + "response_by_area = response_by_area.drop('grief')\n",
    # a single id as text instead of a list
    "deteriorated": _S["deteriorated"] + "deteriorated = deteriorated[0]\n",
}

ESSAY_GOOD = (
    "This caseload has no comparison group, so the fall in PHQ-9 scores cannot be credited to IPT: people also "
    "improve with time, and clients who start treatment at their worst tend to score lower later anyway. The "
    "areas and settings were not assigned at random, so a difference between them may come from who was in them "
    "(older clients, more severe scores, perinatal clients) or from chance. The answer also depends on who is "
    "counted: the intention-to-treat rate is lower than the completers' rate, and studies define response and "
    "remission differently (Psychiatric Services report, 2011; PHQ-9 outcome definitions abstract, n.d.). Interpersonal deficits doing worst agrees with the reference (Weissman et al., 2018; Markowitz, 2016), but "
    "these data are synthetic, so they illustrate the pattern without supporting it."
)
ESSAY_THIN = "IPT worked well for most clients, and group therapy had more drop-outs, so individual IPT is better."

# The written risk question (Part C): a model answer with every rubric element, and one that misses most.
NEXT_STEPS_GOOD = (
    "Item 9 is above 0, so I need a risk review in this session whatever the total. I would ask him directly about "
    "thoughts of being better off dead or of harming himself, and assess further with a structured instrument, "
    "the C-SSRS (Posner et al., 2011): how often, how strong, any intent, plan or past attempt. With him, not for "
    "him, I would write or update a safety plan: his warning signs, what he can do on his own, people and places "
    "that help, who he can ask for help, services he can contact, and making lethal means harder to reach "
    "(Stanley & Brown, 2012). I would not end the session until that plan is in place, and I would tell my "
    "supervisor the same day (course policy, consistent with Simon et al., 2013). His score has risen from the "
    "intake band into the severe band, so with my supervisor I would review the treatment: whether IPT alone is "
    "enough, whether he needs a medical assessment for medication or a referral, and how often we should meet."
)
NEXT_STEPS_THIN = ("His score went up a little, which happens. I would mention it to my supervisor at our next "
                   "weekly meeting and carry on with the plan for session 3.")
