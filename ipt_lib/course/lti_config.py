"""Where the course's LMS is, for LTI 1.3 grade passback: ``<course>/lti.toml`` and the tool's private key.

Nothing secret is in ``lti.toml``; the private key is its own file (mode 600), made by ``ipt-course lti keygen``,
which prints the public key for the LMS. Example (docs/lms-passback.md says where each value is in Canvas and
Moodle)::

    [platform]
    issuer = "https://canvas.instructure.com"
    client_id = "10000000000042"
    token_url = "https://canvas.example.edu/login/oauth2/token"
    lineitems_url = "https://canvas.example.edu/api/lti/courses/1234/line_items"
    # audience = "..."          only when the LMS wants another audience than token_url

    [tool]
    private_key = "lti-private-key.pem"   # relative to this file

    [users]                             # nbgrader student id = the LMS's LTI user id (`sub` of a launch)
    ada = "8c3b1f0e-6a0e-4a4c-9d1c-3f0b1e2d4c5a"

    [mapping]
    file = "lti-users.csv"              # and/or a CSV with columns student_id, sub (the hub's launch log writes it)
"""

from __future__ import annotations

import csv
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LtiConfig", "load_config", "read_user_map", "keygen", "public_jwks", "CONFIG_NAME", "USERS_COLUMNS"]

CONFIG_NAME = "lti.toml"
USERS_COLUMNS = ("student_id", "sub")
REQUIRED = {"platform": ("issuer", "client_id", "token_url", "lineitems_url"), "tool": ("private_key",)}


@dataclass(frozen=True)
class LtiConfig:
    """One course's registration with one LMS. ``private_key`` is a path; the key itself is read only to sign."""

    issuer: str
    client_id: str
    token_url: str
    lineitems_url: str
    private_key: Path
    users: dict[str, str] = field(default_factory=dict)   # nbgrader student id -> LTI user id (sub)
    audience: str = ""
    source: Path | None = None
    timeout: float = 30.0

    def read_private_key(self) -> str:
        return self.private_key.read_text(encoding="ascii")


def _problem(path: Path, text: str) -> ValueError:
    return ValueError(f"{path}: {text}")


def load_config(course_dir: Path | str, path: Path | str | None = None) -> LtiConfig:
    """Read ``path`` (default ``<course>/lti.toml``); each wrong or missing value is named with what to do."""
    import tomllib

    course_dir = Path(course_dir)
    path = Path(path) if path else course_dir / CONFIG_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"No LTI configuration at {path}. Write one with [platform] issuer, client_id, token_url, lineitems_url "
            "and [tool] private_key (docs/lms-passback.md has an example and where Canvas and Moodle show each value).")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _problem(path, f"not valid TOML ({exc}).") from exc
    values = {}
    for table, keys in REQUIRED.items():
        section = data.get(table, {})
        for key in keys:
            value = section.get(key)
            if not isinstance(value, str) or not value.strip():
                raise _problem(path, f"[{table}] {key} is missing or empty; it is required.")
            values[key] = value.strip()
    for key in ("token_url", "lineitems_url"):
        if not values[key].startswith(("https://", "http://")):
            raise _problem(path, f"[platform] {key} must be a URL, not {values[key]!r}.")
    key_path = Path(values.pop("private_key")).expanduser()
    key_path = key_path if key_path.is_absolute() else path.parent / key_path
    if not key_path.is_file():
        raise _problem(path, f"[tool] private_key: no file at {key_path}. Make one with `ipt-course lti keygen "
                             f"--key {key_path}` and give the LMS the public key it prints.")
    if os.name == "posix" and key_path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _problem(path, f"[tool] private_key {key_path} can be read by other users; run `chmod 600 {key_path}`.")
    users = dict(data.get("users", {}))
    bad = [k for k, v in users.items() if not isinstance(v, str) or not v.strip()]
    if bad:
        raise _problem(path, f"[users] {', '.join(bad)}: each value must be the student's LTI user id (a string).")
    mapping_file = data.get("mapping", {}).get("file")
    if mapping_file:
        csv_path = Path(mapping_file).expanduser()
        csv_path = csv_path if csv_path.is_absolute() else path.parent / csv_path
        for student, sub in read_user_map(csv_path).items():
            if users.setdefault(student, sub) != sub:
                raise _problem(path, f"student {student!r} has LTI user id {users[student]!r} in [users] and {sub!r} "
                                     f"in {csv_path}; keep one.")
    subs = [s for s in users.values()]
    twice = sorted({s for s in subs if subs.count(s) > 1})
    if twice:
        raise _problem(path, f"LTI user id(s) {', '.join(twice)} belong to more than one student; each student needs "
                             "their own, or one student's grade would overwrite another's.")
    timeout = data.get("platform", {}).get("timeout", 30.0)
    return LtiConfig(values["issuer"], values["client_id"], values["token_url"], values["lineitems_url"], key_path,
                     {k: v.strip() for k, v in users.items()}, data.get("platform", {}).get("audience", "").strip(),
                     path, float(timeout))


def read_user_map(path: Path) -> dict[str, str]:
    """``{student_id: sub}`` from a CSV with columns student_id, sub (other columns are ignored)."""
    if not path.is_file():
        raise FileNotFoundError(f"No LTI user file at {path} (named by [mapping] file). It needs the columns "
                                f"{', '.join(USERS_COLUMNS)}.")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in USERS_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise _problem(path, f"no column {', '.join(missing)} (it has: {', '.join(reader.fieldnames or [])}).")
        found: dict[str, str] = {}
        for line, row in enumerate(reader, 2):
            student, sub = (row["student_id"] or "").strip(), (row["sub"] or "").strip()
            if not student and not sub:
                continue
            if not student or not sub:
                raise _problem(path, f"line {line}: a row needs both a student_id and a sub.")
            if found.setdefault(student, sub) != sub:
                raise _problem(path, f"line {line}: student {student!r} appears twice with different LTI user ids.")
    return found


def keygen(key_path: Path | str, *, bits: int = 2048) -> dict:
    """Write a new RSA private key to ``key_path`` (mode 600; never overwritten) and return the public JWKS."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_path = Path(key_path)
    if key_path.exists():
        raise FileExistsError(f"{key_path} exists; the LMS knows its public key. Keep it, or move it away first.")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return public_jwks(key_path)


def public_pem(key_path: Path | str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def public_jwks(key_path: Path | str) -> dict:
    """The public key set the LMS needs (Canvas: "Public JWK"; Moodle: "Public key" takes :func:`public_pem`)."""
    from pylti1p3.registration import Registration

    return {"keys": [dict(Registration.get_jwk(public_pem(key_path)))]}


def describe_jwks(key_path: Path) -> str:
    jwks = public_jwks(key_path)
    return (f"Public key of {key_path} (paste into the LMS; the private key stays here):\n"
            f"  Canvas, Developer Key > Public JWK:\n{json.dumps(jwks['keys'][0], indent=2)}\n"
            f"  Moodle, External tool > Public key type 'RSA key':\n{public_pem(key_path)}")
