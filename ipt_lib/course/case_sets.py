"""Assignment 1's case sets: which vignettes a term's practice and graded sets use, chosen by rule from the corpus.

An instructor who reuses last year's graded cases reuses last year's answers, which circulate. So the sets are not
hard-wired: ``data/assignments/a1_problem_areas/sets.toml`` names either a ``seed`` (a term's label, for example
``"2027-spring"``), from which :func:`draw_sets` chooses the sets, or the ``practice`` and ``graded`` ids by hand.
Either way :func:`check_sets` holds the sets to the same rules before anything is built:

- practice: ``practice_per_area`` standard practice vignettes per problem area (their answers ship with the
  package's practice deck, so graded vignettes are never used here);
- graded: ``graded_per_area`` graded vignettes per area, at least ``min_hard`` of them hard (the trap named in the
  vignette), all three populations (adolescent, adult, older adult) present and none more than ``max_population``
  times, no client's age band and area twice;
- no graded vignette that another assignment, the exam or a lesson already shows (``reserved``): a student who met
  a case with its answer elsewhere would be graded on memory (practice cases show their answers anyway);
- an order in which no two neighbouring cases share an area (so position gives nothing away).

The draw is deterministic: the same corpus and seed give the same sets on every machine.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..problem_areas import ProblemArea
from ..vignettes import Vignette

POPULATIONS = ("adolescent", "adult", "older adult")
_TRIES = 20_000


class CaseSetError(ValueError):
    """The sets break a rule, or no draw can meet the rules with this corpus."""


@dataclass(frozen=True)
class CaseSetRules:
    practice_per_area: int = 1
    graded_per_area: int = 2
    min_hard: int = 2
    max_population: int = 4


@dataclass(frozen=True)
class CaseSets:
    practice: tuple[str, ...]
    graded: tuple[str, ...]
    seed: str = ""  # the term label the sets were drawn from; "" when chosen by hand


def check_sets(sets: CaseSets, vignettes: Iterable[Vignette], *, reserved: Mapping[str, str] | None = None,
               rules: CaseSetRules = CaseSetRules()) -> list[str]:
    """Every rule the sets break, each as a sentence an instructor can act on; [] when they meet them all."""
    by_id = {v.id: v for v in vignettes}
    reserved = dict(reserved or {})
    problems: list[str] = []
    for label, ids in (("practice", sets.practice), ("graded", sets.graded)):
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            problems.append(f"the {label} set names {', '.join(unknown)}, which data/vignettes does not have")
        for vid, count in Counter(ids).items():
            if count > 1:
                problems.append(f"{vid} appears {count} times in the {label} set")
    both = sorted(set(sets.practice) & set(sets.graded))
    if both:
        problems.append(f"{', '.join(both)} is in both the practice and the graded set")
    if problems:
        return problems
    practice = [by_id[i] for i in sets.practice]
    graded = [by_id[i] for i in sets.graded]

    for v in practice:
        if v.kind != "practice":
            problems.append(f"{v.id} is a graded vignette: its answer must stay out of the practice deck")
        elif v.difficulty != "standard":
            problems.append(f"{v.id} is a hard case: practice cases are standard, so the feedback teaches the rule")
    for v in graded:
        if v.kind != "graded":
            problems.append(f"{v.id} is a practice vignette: its answer ships with the practice deck")
    for v in graded:
        if v.id in reserved:
            problems.append(f"{v.id} is already used by {reserved[v.id]}")
    for label, chosen, per_area in (("practice", practice, rules.practice_per_area),
                                    ("graded", graded, rules.graded_per_area)):
        counts = Counter(v.primary_area for v in chosen)
        for area in ProblemArea:
            if counts[area] != per_area:
                problems.append(f"the {label} set has {counts[area]} {area.label} case(s), not {per_area}")
    hard = sum(v.difficulty == "hard" for v in graded)
    if hard < rules.min_hard:
        problems.append(f"the graded set has {hard} hard case(s); it needs at least {rules.min_hard}")
    populations = Counter(v.population for v in graded)
    missing = [p for p in POPULATIONS if not populations[p]]
    if missing:
        problems.append(f"the graded set has no {' or '.join(missing)} client")
    for population, count in populations.items():
        if count > rules.max_population:
            problems.append(f"the graded set has {count} {population} clients (at most {rules.max_population})")
    pairs = Counter((v.age_band, v.primary_area) for v in graded)
    for (band, area), count in pairs.items():
        if count > 1:
            problems.append(f"the graded set has {count} {area.label} cases aged {band}: spread the ages")
    for first, second in zip(graded, graded[1:]):
        if first.primary_area == second.primary_area:
            problems.append(f"{first.id} and {second.id} are neighbours with the same area: reorder the graded set")
    return problems


def _rng(seed: str, part: str) -> random.Random:
    digest = hashlib.sha256(f"ipt101/a1-sets/{seed}/{part}".encode()).hexdigest()
    return random.Random(int(digest, 16))


def _order(chosen: list[Vignette], rng: random.Random) -> list[Vignette] | None:
    for _ in range(200):
        rng.shuffle(chosen)
        if all(a.primary_area != b.primary_area for a, b in zip(chosen, chosen[1:])):
            return list(chosen)
    return None


def draw_sets(vignettes: Iterable[Vignette], seed: str, *, reserved: Mapping[str, str] | None = None,
              rules: CaseSetRules = CaseSetRules()) -> CaseSets:
    """The term's sets for ``seed``: a seeded draw, repeated until it meets every rule of :func:`check_sets`."""
    if not seed.strip():
        raise CaseSetError("the seed is empty: give the term a label, for example \"2027-spring\"")
    pool = sorted(vignettes, key=lambda v: v.id)
    reserved = dict(reserved or {})
    practice_pool = {a: [v for v in pool if v.kind == "practice" and v.difficulty == "standard"
                         and v.primary_area is a] for a in ProblemArea}
    graded_pool = {a: [v for v in pool if v.kind == "graded" and v.id not in reserved and v.primary_area is a]
                   for a in ProblemArea}
    for label, by_area, need in (("practice", practice_pool, rules.practice_per_area),
                                 ("graded", graded_pool, rules.graded_per_area)):
        short = [f"{a.label} ({len(vs)})" for a, vs in by_area.items() if len(vs) < need]
        if short:
            raise CaseSetError(f"too few unused {label} vignettes for a draw: {', '.join(short)}; "
                               f"{need} per area are needed")

    rng = _rng(seed, "practice")
    practice = [v for a in ProblemArea for v in rng.sample(practice_pool[a], rules.practice_per_area)]
    practice = _order(practice, rng) or practice
    rng = _rng(seed, "graded")
    for _ in range(_TRIES):
        graded = [v for a in ProblemArea for v in rng.sample(graded_pool[a], rules.graded_per_area)]
        graded = _order(graded, rng)
        if graded is None:
            continue
        sets = CaseSets(tuple(v.id for v in practice), tuple(v.id for v in graded), seed)
        if not check_sets(sets, pool, reserved=reserved, rules=rules):
            return sets
    raise CaseSetError(f"no draw from seed {seed!r} met the rules in {_TRIES} tries: the corpus has too few "
                       "unused hard or varied graded cases; add vignettes or relax the rules in sets.toml")
