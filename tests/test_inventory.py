"""The interpersonal inventory model, its persistence and its figures."""

import json
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipt_lib.inventory import CONFLICT, CONTACT, EXPECTATIONS_MET, Inventory, InventoryError, Person, Ring
from ipt_lib.problem_areas import ProblemArea
from ipt_lib.storage import StoredFileError


def sample() -> Inventory:
    inv = Inventory("V41")
    inv.add(name="Clive", relationship="partner (died in January)", ring="inner", confidant=True,
            problem_area="grief")
    inv.add(name="Pauline", relationship="Clive's sister", ring="outer", conflict="some")
    inv.add(name="Marcia", relationship="friend from the lunch club", ring="middle", supportive=True,
            contact="weekly", activities="lunch club", expectations_met="partly")
    return inv


def test_add_edit_remove_and_reorder():
    inv = sample()
    assert [p.name for p in inv] == ["Clive", "Pauline", "Marcia"]
    inv.edit("marcia", ring="inner", changes_wanted="see her more often")
    assert inv["Marcia"].ring is Ring.INNER and inv["Marcia"].changes_wanted == "see her more often"
    inv.move("Marcia", 0)
    assert [p.name for p in inv] == ["Marcia", "Clive", "Pauline"]
    inv.remove("Pauline")
    assert len(inv) == 2 and inv.in_ring("outer") == []


def test_summary_counts_rings_conflict_and_confidants():
    assert sample().summary() == ("3 people: 1 inner, 1 middle, 1 outer; in conflict: Pauline; "
                                  "confidants: Clive")


@pytest.mark.parametrize("fields, field", [
    ({"name": "", "relationship": "friend", "ring": "inner"}, "name"),
    ({"name": "A", "relationship": " ", "ring": "inner"}, "relationship"),
    ({"name": "A", "relationship": "friend", "ring": "innermost"}, "ring"),
    ({"name": "A", "relationship": "friend", "ring": "inner", "conflict": "lots"}, "conflict"),
    ({"name": "A", "relationship": "friend", "ring": "inner", "contact": "hourly"}, "contact"),
    ({"name": "A", "relationship": "friend", "ring": "inner", "problem_area": "grieve"}, "problem_area"),
    ({"name": "A", "relationship": "friend", "ring": "inner", "supportive": "yes"}, "supportive"),
    ({"name": "A", "relationship": "friend", "ring": "inner", "shoe_size": 9}, "shoe_size"),
    ({"name": "A" * 41, "relationship": "friend", "ring": "inner"}, "name"),
])
def test_invalid_person_gets_a_message_naming_the_field(fields, field):
    with pytest.raises(InventoryError) as info:
        Person.build(**fields)
    assert info.value.field == field and str(info.value)


def test_duplicate_and_missing_names_are_clear():
    inv = sample()
    with pytest.raises(InventoryError, match="already in the inventory"):
        inv.add(name="clive", relationship="x", ring="inner")
    with pytest.raises(InventoryError, match="it has: Clive, Pauline, Marcia"):
        inv.edit("Nobody", ring="inner")


def test_frame_round_trip():
    inv = sample()
    frame = inv.to_frame()
    assert list(frame["name"]) == ["Clive", "Pauline", "Marcia"]
    assert Inventory.from_frame(frame, "V41").to_dict() == inv.to_dict()


text = st.text(alphabet=string.ascii_letters + string.digits + " .,'-éü", max_size=30)
names = st.text(alphabet=string.ascii_letters + " '-", min_size=1, max_size=20).filter(lambda s: s.strip())
person = st.builds(
    dict, name=names, relationship=names, ring=st.sampled_from([r.value for r in Ring]),
    contact=st.sampled_from(CONTACT), activities=text, support_given=text, support_received=text,
    supportive=st.booleans(), confidant=st.booleans(), conflict=st.sampled_from(CONFLICT),
    client_expectations=text, other_expectations=text, expectations_met=st.sampled_from(EXPECTATIONS_MET),
    satisfying=text, unsatisfying=text, changes_wanted=text,
    problem_area=st.sampled_from([""] + list(ProblemArea.labels())))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(client=names, people=st.lists(person, max_size=12, unique_by=lambda p: " ".join(p["name"].split()).casefold()))
def test_save_and_load_round_trip_any_valid_inventory(tmp_path, client, people):
    inv = Inventory(client)
    for fields in people:
        inv.add(**fields)
    path = inv.save(tmp_path / "inventory.json")
    assert Inventory.load(path).to_dict() == inv.to_dict()


def test_loading_a_missing_file_starts_fresh_only_when_asked(tmp_path):
    assert len(Inventory.load(tmp_path / "none.json", client="V41")) == 0
    with pytest.raises(InventoryError, match="no saved inventory"):
        Inventory.load(tmp_path / "none.json")


@pytest.mark.parametrize("content, kept", [
    ('{"kind": "ipt-interpersonal-inventory", "schema_version": 1, "client": "V41", "peo', "damaged"),
    ("", "damaged"),
    ('{"kind": "something else"}', "foreign"),
    ('{"kind": "ipt-interpersonal-inventory", "schema_version": 1, "client": "V41", '
     '"people": [{"name": "A", "relationship": "x", "ring": "sideways"}]}', "damaged"),
])
def test_corrupt_truncated_or_foreign_file_is_kept_aside_and_reported(tmp_path, content, kept):
    path = tmp_path / "inventory.json"
    path.write_text(content)
    with pytest.raises(StoredFileError, match="kept as"):
        Inventory.load(path)
    assert list(tmp_path.glob(f"inventory.json.{kept}-*")) and not path.exists()


def test_a_file_from_a_newer_version_is_left_alone(tmp_path):
    path = tmp_path / "inventory.json"
    path.write_text(json.dumps({"kind": "ipt-interpersonal-inventory", "schema_version": 2, "client": "x"}))
    with pytest.raises(StoredFileError, match="newer version"):
        Inventory.load(path)
    assert path.exists()


def test_closeness_circle_keeps_25_labels_apart_on_any_ring():
    from ipt_lib.plots import closeness_circle, label_overlaps

    for ring in ("inner", "middle", "outer", None):
        inv = Inventory("Client")
        for i in range(25):
            inv.add(name=f"Someone with a long name {i:02d}", relationship="x",
                    ring=ring or ("inner", "middle", "outer")[i % 3], conflict=("none", "some", "high")[i % 3],
                    supportive=i % 2 == 0, confidant=i % 5 == 0)
        fig = closeness_circle(inv)
        assert label_overlaps(fig) == [], ring
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert all(f"Someone with a long name {i:02d}" in texts for i in range(25))
        assert fig.axes[0].get_legend() is not None


def test_closeness_circle_marks_conflict_support_and_confidants_with_shapes():
    from ipt_lib.plots import closeness_circle

    fig = closeness_circle(sample())
    markers = {line.get_marker() for line in fig.axes[0].lines}
    assert {"X", "*", "o"} <= markers


def test_timeline_highlights_the_closest_interpersonal_event_before_onset():
    from ipt_lib.plots import TimelineEvent, closest_before_onset, timeline

    events = [TimelineEvent(-6, "retired", interpersonal=False), TimelineEvent(-3, "partner died"),
              TimelineEvent(-1, "funeral; left before the burial"), TimelineEvent(2, "stopped the club")]
    assert closest_before_onset(events).label == "funeral; left before the burial"
    fig = timeline(events)
    labels = [" ".join(t.get_text().split()) for t in fig.axes[0].texts]   # long labels are wrapped
    assert "funeral; left before the burial (closest before onset)" in labels
    assert closest_before_onset([TimelineEvent(-2, "moved", interpersonal=False)]) is None


def test_vignette_timeline_comes_from_its_event(corpus):
    from ipt_lib.plots import vignette_events

    dated = next(v for v in corpus if v.event.months_before_onset)
    assert vignette_events(dated)[0].month == -dated.event.months_before_onset
    assert vignette_events(next(v for v in corpus if v.event.timing == "no acute event")) == []


def test_widget_save_changes_button_moves_a_person_between_rings(tmp_path):
    """What a student does in the widget: choose a person, change the ring, press Save changes."""
    from ipt_lib.widgets.inventory import InventoryWidget

    widget = InventoryWidget(sample(), tmp_path / "inventory.json")
    widget.chooser.value = "Marcia"
    assert widget.add_button.description == "Save changes"
    widget.ring.value = "inner"
    widget.add_button.click()
    assert "Saved the changes to Marcia" in widget.message.value
    assert widget.inventory["Marcia"].ring is Ring.INNER
    assert "Marcia" in widget.table.value and widget.add_button.description != "Save changes"
    saved = json.loads((tmp_path / "inventory.json").read_text())
    assert {p["name"]: p["ring"] for p in saved["people"]}["Marcia"] == "inner"
    # renaming through the same button keeps one entry
    widget.chooser.value = "Marcia"
    widget.name.value = "Marcia B."
    widget.add_button.click()
    assert [p.name for p in widget.inventory] == ["Clive", "Pauline", "Marcia B."]


def test_the_closeness_circle_has_a_text_alternative_saying_who_is_on_which_ring(tmp_path):
    from ipt_lib.widgets.inventory import InventoryWidget

    widget = InventoryWidget(sample(), tmp_path / "inventory.json")
    widget.refresh()
    assert "data:image/png;base64," in widget.circle.value
    assert "inner ring: Clive" in widget.circle.value and "middle ring: Marcia (friend from the lunch club)" in \
        widget.circle.value and "outer ring: Pauline" in widget.circle.value
    empty = InventoryWidget(type(sample())("Ana"), None)
    assert "nobody entered yet" in empty.circle.value


def test_remove_can_be_undone_and_the_person_returns_to_their_place(tmp_path):
    from ipt_lib.widgets.inventory import InventoryWidget

    widget = InventoryWidget(sample(), tmp_path / "inventory.json")
    widget.chooser.value = "Pauline"
    widget.remove_button.click()
    assert [p.name for p in widget.inventory] == ["Clive", "Marcia"] and "Undo remove" in widget.message.value
    assert widget.undo_button.layout.display is None
    widget.undo_button.click()
    assert [p.name for p in widget.inventory] == ["Clive", "Pauline", "Marcia"]
    assert "Put Pauline back" in widget.message.value and widget.undo_button.layout.display == "none"
    saved = json.loads((tmp_path / "inventory.json").read_text())
    assert [p["name"] for p in saved["people"]] == ["Clive", "Pauline", "Marcia"]
    widget.undo_button.click()
    assert "nothing to undo" in widget.message.value
