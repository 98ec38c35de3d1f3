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
KEY = tomllib.loads((ROOT / "data" / "assignments" / "a2_inventory.toml").read_text(encoding="utf-8"))
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
