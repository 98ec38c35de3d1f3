"""Who an LTI 1.3 launch is: the LMS's claims mapped to a hub user name and nbgrader student id.

The hub (hub/jupyterhub_config.py, ``IPT_HUB_AUTH=lti13``) calls :func:`map_launch` with the verified claims of
each launch. The rules:

- A person is their ``sub`` (the LMS's stable, opaque LTI user id), never their name or email: both change (a
  renamed student, a new address) and would otherwise split one student's work over two ids.
- The first launch of a ``sub`` gets an id made from the email's local part (else the name): lower case, ASCII,
  letters, digits, ``-`` and ``_``, at most 32 characters, starting with a letter (a Unix user name and an
  nbgrader student id at once); an id already taken by another person gets ``2``, ``3``, ... appended. It is
  written to the users file (``student_id, sub, role, name, email, first_seen, last_seen``), which grade passback
  reads too (``[mapping] file`` in lti.toml), so the grade goes back to the same LMS user.
- Later launches of that ``sub`` get the same id whatever the name or email says now; the file keeps the
  current name and email, and :attr:`Identity.renamed` says they changed.
- Roles: Instructor, TeachingAssistant, ContentDeveloper or Administrator (full LIS URIs or the short names)
  make an ``instructor`` (a hub admin, who grades); anyone else is a ``student``.
- A launch without ``sub``, from another issuer, or from another LMS course than the hub serves is refused
  with :class:`LaunchRefused`, whose message says what to do.

    >>> who = map_launch({"sub": "8c3b", "email": "Zoe.Nunez@uni.example", "iss": "https://lms"}, path)  # doctest: +SKIP
    >>> who.username, who.role, who.new
    ('zoe-nunez', 'student', True)
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Identity", "LaunchRefused", "map_launch", "role_of", "username_for", "COLUMNS", "INSTRUCTOR_ROLES"]

COLUMNS = ["student_id", "sub", "role", "name", "email", "first_seen", "last_seen"]
ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
INSTRUCTOR_ROLES = {"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"}
MAX_LENGTH = 32


class LaunchRefused(Exception):
    """This launch may not log in; the message says why and what to do."""


@dataclass(frozen=True)
class Identity:
    username: str          # hub user name = nbgrader student id (for a student)
    sub: str
    role: str              # "student" | "instructor"
    new: bool = False      # first launch of this sub
    renamed: bool = False  # known sub whose name or email changed since the last launch


def role_of(roles: list[str] | tuple[str, ...]) -> str:
    """'instructor' for any instructor-like LIS role (context or institution, full URI or short), else 'student'."""
    for role in roles or ():
        # http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor, .../membership/Instructor#TeachingAssistant,
        # http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator, or plain "Instructor"
        short = re.split(r"[#/]", str(role).strip())[-1]
        if short in INSTRUCTOR_ROLES:
            return "instructor"
    return "student"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    if slug and not slug[0].isalpha():
        slug = "s" + slug
    return slug[:MAX_LENGTH].rstrip("-_")


def username_for(claims: dict, taken: set[str]) -> str:
    """A new id for a first launch: from the email's local part, else the name, else the sub; never one in ``taken``."""
    email = str(claims.get("email") or "")
    name = str(claims.get("name") or " ".join(str(claims.get(k) or "") for k in ("given_name", "family_name")))
    base = _slug(email.split("@", 1)[0].replace(".", "-")) or _slug(name) or _slug("u" + str(claims["sub"]))
    base = base or "student"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = str(number)
        candidate = base[:MAX_LENGTH - len(suffix)] + suffix
    return candidate


def _read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)  # a reader never sees half a file


def map_launch(claims: dict, users_file: Path | str, *, issuer: str | None = None,
               context_id: str | None = None) -> Identity:
    """The identity of a verified launch (``claims`` = the id_token's payload); records it in ``users_file``."""
    sub = str(claims.get("sub") or "").strip()
    if not sub:
        raise LaunchRefused("The LMS sent no user id (sub) with this launch, so it cannot be matched to a student. "
                            "Ask the LMS administrator to turn on sending the user's identity to this tool.")
    if issuer and claims.get("iss") != issuer:
        raise LaunchRefused(f"This launch came from {claims.get('iss')!r}, not from {issuer!r}, the LMS this hub "
                            "is registered with.")
    context = claims.get(CONTEXT_CLAIM) or {}
    if context_id and context.get("id") != context_id:
        raise LaunchRefused(f"This link belongs to the LMS course {context.get('title') or context.get('id')!r}; "
                            "this hub serves another course. Use the course link of your own course.")
    role = role_of(claims.get(ROLES_CLAIM) or [])
    name = str(claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p))
    email = str(claims.get("email") or "")
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    path = Path(users_file)
    rows = _read(path)
    for row in rows:
        if row["sub"] == sub:
            renamed = (name and name != row["name"]) or (email and email.lower() != row["email"].lower())
            row.update(name=name or row["name"], email=email or row["email"], role=role, last_seen=now)
            _write(path, rows)
            return Identity(row["student_id"], sub, role, new=False, renamed=bool(renamed))
    username = username_for(claims, {row["student_id"] for row in rows})
    rows.append({"student_id": username, "sub": sub, "role": role, "name": name, "email": email,
                 "first_seen": now, "last_seen": now})
    _write(path, rows)
    return Identity(username, sub, role, new=True)
