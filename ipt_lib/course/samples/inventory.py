"""Assignment 2 (the interpersonal inventory): the sample class. Every answer is derived from the key at run time
(data/assignments/a2_inventory/key.toml), never written here."""

from __future__ import annotations

from pathlib import Path

from ...problem_areas import ProblemArea
from .profile import Profile, blank, find_cell, wrong_area

def write_inventory(folder: Path, client: str, people: list[dict]) -> None:
    from ...inventory import Inventory

    inventory = Inventory(client)
    for person in people:
        inventory.add(**person)
    inventory.save(folder / "inventory.json")


def key_people(key: dict) -> list[dict]:
    """The model inventory's people, reduced to the fields a student would enter quickly."""
    keep = ("name", "relationship", "ring", "conflict", "supportive", "problem_area")
    return [{k: v for k, v in person.items() if k in keep} for person in key["people"]]


def _tied(key: dict, template: str = "{}") -> str:
    return repr(template.format(key["tied_person"][0].title()))


def _answers(tied, area, essay: str = ""):
    """tied/area: functions of the key giving the Python expression the student typed."""
    def edit(nb, key):
        find_cell(nb, "tied_person_answer").source = f"tied_person = {tied(key)}"
        find_cell(nb, "area_answer").source = f"area = {area(key)}"
        if essay:
            find_cell(nb, "reflection_answer").source = essay
    return edit


REFLECTION = ("The two people on the inner ring are the partner and the baby; the partner is also the person whose "
              "expectations about care and housework no longer match the client's. The low mood began weeks after "
              "that agreement broke and follows their clashes, so that relationship is the focus. I would still ask "
              "about her own family and friends, who are missing from the inventory.")


def _other_area(key: dict) -> str:
    return repr(wrong_area(ProblemArea(key["area"])).label)


def inventory_class(key: dict | None = None) -> list[Profile]:
    """Sample submissions for Assignment 2, with the scores they must get (4 autograded)."""
    def good(folder, key):
        write_inventory(folder, key["client"], key_people(key))

    def crowded(folder, key):
        inner = [p for p in key_people(key) if p["ring"] == "inner"]
        extra = [dict(name=f"Friend {i}", relationship="friend", ring="inner") for i in range(1, key["max_others"] + 2)]
        write_inventory(folder, key["client"], inner + extra)

    def corrupt(folder, key):
        (folder / "inventory.json").write_text('{"kind": "ipt-interpersonal-inventory", "schema_ver')

    def one_moved(folder, key):
        people = key_people(key)
        inner = [p for p in people if p["ring"] == "inner"]
        inner[-1]["ring"] = "middle"  # the second person the cues put closest, placed one ring out
        write_inventory(folder, key["client"], people)

    right_area = lambda key: repr(key["area"])  # noqa: E731
    return [
        Profile("ada", "perfect: inventory built in the widget, right answers",
                _answers(_tied, right_area, REFLECTION), 4, 3, "Specific, justified, names a gap.", prepare=good),
        Profile("ben", "blank: no inventory, no answers", blank, 0, 0, "No answer was written."),
        Profile("chen", "crowded inner ring (beyond the tolerance of other people there)",
                _answers(lambda k: _tied(k, "her partner {}"), lambda k: repr(k["area"].upper().replace(" ", "_"))),
                2, prepare=crowded),
        Profile("dara", "inventory file missing; answers right", _answers(lambda k: _tied(k, "{} (partner)"),
                                                                          right_area), 2),
        Profile("eli", "inventory file damaged (cut off); answers right", _answers(_tied, right_area), 2,
                prepare=corrupt),
        Profile("femi", "wrong person and area; one inner person placed on the middle ring",
                _answers(lambda k: repr("Nobody in particular"), _other_area), 1, prepare=one_moved),
    ]
