"""The interpersonal inventory as a plain model: people around a client, with validation and safe saving.

The inventory reviews each important person in the client's life and leads to the choice of problem area
(ISIPT, n.d.-b; Focus review, 2006). The per-person fields follow published worksheet prompts (Dietz et al.
(2018), as reproduced in closeness-circle worksheets: a weak source) and the classic manual's prompts as
commonly summarised (expectations and whether they are met, satisfying and unsatisfying aspects, changes
wanted), which are only partly confirmed (Dietz et al., 2018; Weissman et al., 2018).

>>> inv = Inventory("V41")
>>> _ = inv.add(name="Pauline", relationship="partner's sister", ring="outer", conflict="some")
>>> inv.summary()
'1 person: 0 inner, 0 middle, 1 outer; in conflict: Pauline; confidants: none'
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .errors import StudentFacingError
from .problem_areas import ProblemArea, ProblemAreaError

__all__ = ["Inventory", "Person", "Ring", "InventoryError", "CONTACT", "CONFLICT", "EXPECTATIONS_MET"]

SCHEMA_VERSION = 1
KIND = "ipt-interpersonal-inventory"
MAX_PEOPLE = 40
CONTACT = ("", "daily", "several times a week", "weekly", "monthly", "less than monthly", "no longer in contact")
CONFLICT = ("none", "some", "high")
EXPECTATIONS_MET = ("", "yes", "partly", "no", "unknown")


class Ring(enum.Enum):
    """Closeness rings around the client (the client is at the centre)."""

    INNER = "inner"
    MIDDLE = "middle"
    OUTER = "outer"

    @property
    def radius(self) -> int:
        return {"inner": 1, "middle": 2, "outer": 3}[self.value]


class InventoryError(StudentFacingError):
    title = "Check the inventory"

    def __init__(self, message: str, field_name: str = ""):
        self.field = field_name
        super().__init__(message)


@dataclass(frozen=True)
class Person:
    """One important person in the client's life."""

    name: str
    relationship: str
    ring: Ring
    contact: str = ""
    activities: str = ""
    support_given: str = ""
    support_received: str = ""
    supportive: bool = False
    confidant: bool = False
    conflict: str = "none"
    client_expectations: str = ""
    other_expectations: str = ""
    expectations_met: str = ""
    satisfying: str = ""
    unsatisfying: str = ""
    changes_wanted: str = ""
    problem_area: ProblemArea | None = None

    @classmethod
    def build(cls, **fields) -> "Person":
        """Make a person from plain values (as typed in a form), with student-friendly errors."""
        unknown = sorted(set(fields) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise InventoryError(f"Unknown field {unknown[0]!r}. The fields are: "
                                 f"{', '.join(f.name for f in dataclasses.fields(cls))}.", unknown[0])
        values = dict(fields)
        for name in ("name", "relationship"):
            value = values.get(name, "")
            if not isinstance(value, str) or not value.strip():
                raise InventoryError(f"Give the person's {'name or an alias' if name == 'name' else 'relationship'} "
                                     "(for example 'Ama' and 'sister').", name)
            values[name] = " ".join(value.split())
        if len(values["name"]) > 40:
            raise InventoryError("Keep the name or alias short (40 characters at most).", "name")
        ring = values.get("ring", "")
        try:
            values["ring"] = ring if isinstance(ring, Ring) else Ring(str(ring).strip().lower())
        except ValueError:
            raise InventoryError(f"{ring!r} is not a ring. Use one of: inner, middle, outer.", "ring") from None
        for name, allowed in (("contact", CONTACT), ("conflict", CONFLICT), ("expectations_met", EXPECTATIONS_MET)):
            if name in values:
                value = str(values[name]).strip().lower()
                if value not in allowed:
                    shown = ", ".join(a for a in allowed if a)
                    raise InventoryError(f"{values[name]!r} is not allowed for {name.replace('_', ' ')}. "
                                         f"Use one of: {shown}.", name)
                values[name] = value
        for name in ("supportive", "confidant"):
            if name in values and not isinstance(values[name], bool):
                raise InventoryError(f"{name} is True or False.", name)
        area = values.get("problem_area")
        if area in ("", None):
            values["problem_area"] = None
        elif not isinstance(area, ProblemArea):
            try:
                values["problem_area"] = ProblemArea.parse(area)
            except ProblemAreaError as exc:
                raise InventoryError(str(exc), "problem_area") from None
        for f in dataclasses.fields(cls):
            if f.type == "str" and f.name in values:
                if not isinstance(values[f.name], str):
                    raise InventoryError(f"{f.name.replace('_', ' ')} is text.", f.name)
                values[f.name] = values[f.name].strip()
                if len(values[f.name]) > 1000:
                    raise InventoryError(f"{f.name.replace('_', ' ')} is too long (1000 characters at most).", f.name)
        return cls(**values)

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["ring"] = self.ring.value
        data["problem_area"] = self.problem_area.label if self.problem_area else ""
        return data


@dataclass
class Inventory:
    """The people around one client (a vignette id or a free name), in the order the student keeps them."""

    client: str
    people: list[Person] = field(default_factory=list)

    def __post_init__(self):
        if not isinstance(self.client, str) or not self.client.strip():
            raise InventoryError("Name the client (a vignette id such as 'V41', or a fictional name).", "client")
        self.client = self.client.strip()

    # --- editing -------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.people)

    def __iter__(self) -> Iterator[Person]:
        return iter(self.people)

    def _index(self, name: str) -> int:
        key = " ".join(str(name).split()).casefold()
        for i, person in enumerate(self.people):
            if person.name.casefold() == key:
                return i
        names = ", ".join(p.name for p in self.people) or "nobody yet"
        raise InventoryError(f"There is no {name!r} in this inventory (it has: {names}).", "name")

    def __getitem__(self, name: str) -> Person:
        return self.people[self._index(name)]

    def add(self, person: Person | None = None, **fields) -> Person:
        person = person if person is not None else Person.build(**fields)
        if any(p.name.casefold() == person.name.casefold() for p in self.people):
            raise InventoryError(f"{person.name!r} is already in the inventory; edit that entry instead, or use "
                                 "another alias.", "name")
        if len(self.people) >= MAX_PEOPLE:
            raise InventoryError(f"An inventory holds at most {MAX_PEOPLE} people.", "name")
        self.people.append(person)
        return person

    def edit(self, name: str, /, **changes) -> Person:
        """Change the person called ``name``; ``changes`` may include a new ``name``."""
        index = self._index(name)
        merged = self.people[index].to_dict()
        merged.update(changes)
        updated = Person.build(**merged)
        if updated.name.casefold() != self.people[index].name.casefold() and any(
                p.name.casefold() == updated.name.casefold() for p in self.people):
            raise InventoryError(f"{updated.name!r} is already in the inventory.", "name")
        self.people[index] = updated
        return updated

    def remove(self, name: str) -> Person:
        return self.people.pop(self._index(name))

    def move(self, name: str, position: int) -> None:
        person = self.people.pop(self._index(name))
        position = max(0, min(int(position), len(self.people)))
        self.people.insert(position, person)

    # --- reading -------------------------------------------------------------
    def in_ring(self, ring: Ring | str) -> list[Person]:
        ring = ring if isinstance(ring, Ring) else Ring(ring)
        return [p for p in self.people if p.ring is ring]

    def summary(self) -> str:
        """One line: size per ring, people in conflict, confidants."""
        n = len(self.people)
        rings = ", ".join(f"{len(self.in_ring(r))} {r.value}" for r in Ring)
        conflict = ", ".join(p.name for p in self.people if p.conflict != "none") or "none"
        confidants = ", ".join(p.name for p in self.people if p.confidant) or "none"
        return f"{n} {'person' if n == 1 else 'people'}: {rings}; in conflict: {conflict}; confidants: {confidants}"

    # --- conversion and saving ----------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": KIND, "schema_version": SCHEMA_VERSION, "client": self.client,
                "people": [p.to_dict() for p in self.people]}

    @classmethod
    def from_dict(cls, data: dict) -> "Inventory":
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise InventoryError("This is not a saved interpersonal inventory.")
        if data.get("schema_version") != SCHEMA_VERSION:
            raise InventoryError(f"This inventory was saved with schema version {data.get('schema_version')!r}; "
                                 f"this workbook reads version {SCHEMA_VERSION}.")
        inventory = cls(str(data.get("client", "")))
        people = data.get("people")
        if not isinstance(people, list):
            raise InventoryError("The saved inventory has no list of people.")
        for i, raw in enumerate(people, 1):
            if not isinstance(raw, dict):
                raise InventoryError(f"Person {i} in the saved inventory is damaged.")
            inventory.add(Person.build(**raw))
        return inventory

    def to_frame(self):
        import pandas as pd

        columns = [f.name for f in dataclasses.fields(Person)]
        return pd.DataFrame([p.to_dict() for p in self.people], columns=columns)

    @classmethod
    def from_frame(cls, frame, client: str) -> "Inventory":
        inventory = cls(client)
        for record in frame.to_dict(orient="records"):
            clean = {k: ("" if v is None or (isinstance(v, float) and v != v) else v) for k, v in record.items()}
            for flag in ("supportive", "confidant"):
                if flag in clean:
                    clean[flag] = bool(clean[flag]) if clean[flag] != "" else False
            inventory.add(Person.build(**clean))
        return inventory

    def save(self, path: str | Path) -> Path:
        """Save atomically: a crash mid-save leaves the previous file whole."""
        from .storage import atomic_write_json

        return atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path, *, client: str | None = None) -> "Inventory":
        """Load a saved inventory; a broken or foreign file is kept aside and reported, never overwritten."""
        from .storage import StoredFileError, _keep_aside, load_json

        data = load_json(path, kind=KIND, schema_version=SCHEMA_VERSION)
        if data is None:
            if client is None:
                raise InventoryError(f"There is no saved inventory at {path}.")
            return cls(client)
        try:
            return cls.from_dict(data)
        except InventoryError as exc:
            kept = _keep_aside(Path(path), "damaged")
            raise StoredFileError(f"{Path(path).name} could not be read ({exc}). It was kept as {kept.name}.") from None
