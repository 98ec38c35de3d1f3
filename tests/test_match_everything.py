"""Forgiving readers must not reward an answer that names every candidate at once."""

from __future__ import annotations

import tomllib
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ipt_lib.course.assignment2 import rival_aliases
from ipt_lib.grading import inventory_verdict, names_one_person
from ipt_lib.inventory import Inventory

ROOT = Path(__file__).resolve().parents[1]
KEY = tomllib.loads((ROOT / "data" / "assignments" / "a2_inventory" / "key.toml").read_text(encoding="utf-8"))
_INNER = [list(g) for g in KEY["inner"].values()]
GROUPS = _INNER + [[p["name"].casefold()] for p in KEY["people"]  # each person of the case once
                   if not any(p["name"].casefold() in g for g in _INNER)]


def test_the_right_person_written_in_ordinary_ways_still_counts():
    aliases = KEY["tied_person"]
    rivals = rival_aliases(KEY, aliases)
    for answer in ("Lotte", "lotte (wife)", "Her wife, Lotte", "Lotte, mother of our son"):
        assert names_one_person(answer, aliases, rivals), answer


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(range(len(GROUPS))), min_size=2, max_size=5, unique=True),
       st.randoms(use_true_random=False))
def test_an_answer_naming_two_or_more_people_earns_nothing(picked, rng):
    words = [rng.choice(GROUPS[i]) for i in picked]
    names = [GROUPS[i][0] for i in picked]
    answer = " ".join(rng.sample(words + names, len(words + names)))
    for group in KEY["inner"].values():
        assert not names_one_person(answer, list(group), rival_aliases(KEY, list(group))), answer


def test_an_inventory_entry_naming_everyone_fills_no_inner_item(tmp_path):
    everyone = " ".join(w for g in GROUPS for w in g)
    inv = Inventory(KEY["client"])
    inv.add(name="All of them", relationship=everyone, ring="inner")
    inv.save(tmp_path / "inventory.json")
    for group in KEY["inner"].values():
        passed, message = inventory_verdict(tmp_path / "inventory.json", list(group), "inner", KEY["max_others"],
                                            rival_aliases(KEY, list(group)))
        assert not passed and "also names other people" in message, message


# --- every other forgiving reader: areas, stages, techniques, communication problems, approaches, exam items, ids ---

import pytest  # noqa: E402

from ipt_lib.approaches import Approach  # noqa: E402
from ipt_lib.grading import computed_verdict, exam_verdict, labels_verdict  # noqa: E402
from ipt_lib.problem_areas import DisputeStage, ProblemArea  # noqa: E402
from ipt_lib.techniques import CommunicationProblem, Technique  # noqa: E402

VOCABULARIES = {
    "area": (ProblemArea, [a.label for a in ProblemArea]),
    "stage": (DisputeStage, [s.label for s in DisputeStage]),
    "technique": (Technique, [t.label for t in Technique]),
    "communication": (CommunicationProblem, [c.label for c in CommunicationProblem]),
    "approach": (Approach, [a.label for a in Approach]),
}
SEPARATORS = st.sampled_from([" ", ", ", " / ", " or ", " and ", "; ", " & ", "+", "\n", " | "])


@st.composite
def several_labels(draw, vocabulary: str):
    labels = VOCABULARIES[vocabulary][1]
    picked = draw(st.lists(st.sampled_from(labels), min_size=2, max_size=len(labels), unique=True))
    casing = draw(st.sampled_from([str, str.upper, str.title]))
    return draw(SEPARATORS).join(casing(label) for label in picked)


@pytest.mark.parametrize("vocabulary", list(VOCABULARIES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_an_answer_naming_several_labels_is_never_read_as_one(vocabulary, data):
    cls, _ = VOCABULARIES[vocabulary]
    text = data.draw(several_labels(vocabulary))
    with pytest.raises(ValueError):
        cls.parse(text)


@pytest.mark.parametrize("vocabulary, kind", [("area", "area"), ("stage", "stage"), ("technique", "technique")])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_an_exam_answer_naming_several_labels_earns_nothing(vocabulary, kind, data):
    labels = VOCABULARIES[vocabulary][1]
    keys = {f"X{i}": label for i, label in enumerate(labels)}     # whichever item is drawn, its key is in the list
    right, _ = exam_verdict("ada", "q1", data.draw(several_labels(vocabulary)), keys, kind)
    assert not right


@pytest.mark.parametrize("vocabulary, kind", [("technique", "technique"), ("communication", "communication"),
                                              ("approach", "approach")])
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_labels_that_name_several_at_once_earn_nothing(vocabulary, kind, data):
    labels = VOCABULARIES[vocabulary][1]
    key = {turn: labels[turn % len(labels)] for turn in range(1, 4)}
    answer = {turn: data.draw(several_labels(vocabulary)) for turn in key}
    share, _ = labels_verdict(answer, key, kind)
    assert share == 0


@settings(max_examples=100, deadline=None)
@given(key_size=st.integers(0, 20), others=st.integers(0, 200))
def test_listing_nearly_every_client_earns_nothing(key_size, others):
    key = [f"C{i:03d}" for i in range(key_size)]
    everyone = key + [f"C{i:03d}" for i in range(key_size, key_size + others)]
    share, message = computed_verdict(everyone, key, "ids", 0)
    if len(everyone) >= 3 * max(key_size, 1) and others > key_size:
        assert share == 0 and "does not pick them out" in message
    else:
        assert share == (1 if not others else pytest.approx(key_size / len(everyone)))
