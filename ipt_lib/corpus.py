"""What the corpora share: vignettes, transcripts, role-play scenarios, training bodies, fidelity excerpts, drills.

Each corpus is a folder of TOML files, one record per file. A corpus module declares a :class:`Corpus` (its folder,
its error, its validator) and reads each table's fields with :class:`Fields`; what is left in the module is its
fields and its semantic checks. This module finds the folder, reads the TOML with errors that name the file, reads
fields with errors that name the field, refuses two files with one id, and runs the ``check`` command line::

    python -m ipt_lib.vignettes check [FOLDER]     # and ipt_lib.transcripts, ipt_lib.scenarios, ipt_lib.pathway
    ipt-course check-data --corpus transcripts       # the same, for any corpus in data/

A corpus that asks for it (``locate=True``: the fidelity excerpts and the drills) also names the line of the file a
field is written on (:func:`field_line`).

No TOML parser is imported until a file is read.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Generic, Iterable, Mapping, NoReturn, Sequence, TypeVar

from .errors import StudentFacingError

__all__ = ["CORPORA", "Corpus", "CorpusFileError", "Field", "Fields", "Schema", "check", "data_folder", "field_line",
           "id_is_file_name", "read_named"]

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent

# Every corpus by its folder under data/, and the module that declares it (imported only when it is checked).
CORPORA = {"vignettes": "ipt_lib.vignettes", "transcripts": "ipt_lib.transcripts", "scenarios": "ipt_lib.scenarios",
           "training": "ipt_lib.pathway.bodies", "fidelity": "ipt_lib.fidelity_corpus", "drills": "ipt_lib.drills",
           "portfolio": "ipt_lib.course.portfolio"}  # the portfolio cases are instructor-only (Assignment 8's build)


def check(name: str, folder: Path | str | None = None) -> int:
    """``check`` one corpus by its folder name (see :data:`CORPORA`): what ``ipt-course check-data`` runs."""
    from importlib import import_module

    return import_module(CORPORA[name])._main(["check"] + ([str(folder)] if folder else []))


def data_folder(name: str, *, packaged: bool = True) -> Path:
    """data/<name> in a checkout of the course repository, else (when ``packaged``) the copy packaged with ipt_lib."""
    repo = _PACKAGE.parent / "data" / name
    return repo if repo.is_dir() or not packaged else _PACKAGE / "_data" / name


class CorpusFileError(StudentFacingError):
    """A corpus file does not follow its schema: ``file: field 'name': problem`` (a corpus that also names a turn
    or a node has its own error)."""

    def __init__(self, path: Path | str, field_name: str, problem: str):
        self.path, self.field, self.problem = Path(path), field_name, problem
        super().__init__(f"{self.path.name}: field '{field_name}': {problem}")


@dataclass(frozen=True)
class Corpus(Generic[T]):
    """One corpus: where its files are, how a problem is reported, and how a file's table becomes a record.

    ``error`` is the corpus's own error class; ``make_error(path, field, problem)`` makes one (default: the class
    itself); the field is ``"(file)"`` or ``"(folder)"`` when the whole file or folder is wrong.
    ``toml_error(path, text, exc)``, if given, reports a TOML syntax error itself (the role-play scenarios name the
    node the bad line is in).
    """

    noun: str                                       # "vignette": for messages and the command line's counts
    plural: str                                     # "vignettes"
    folder: str                                     # under data/ (and ipt_lib/_data/ when packaged)
    module: str                                     # for the usage line: python -m <module> check
    error: type[Exception]
    validate: Callable[[Path, dict], T]
    packaged: bool = True
    source: Callable[[T], str] = lambda record: record.source
    order: Callable[[T], Any] = lambda record: record.id
    require_files: bool = False
    make_error: Callable[[Path, str, str], Exception] | None = None
    toml_error: Callable[[Path, str, Exception], Exception] | None = None
    counted: str = ""                               # the command line's count: "vignette(s)" unless given
    pattern: str = "*.toml"                         # which files of the folder are records ("f[0-9][0-9].toml")
    locate: bool = False                            # name the field's line: ``error(path, field, problem, line)``

    def fail(self, path: Path, field_name: str, problem: str) -> Exception:
        return (self.make_error or self.error)(path, field_name, problem)

    def default_folder(self) -> Path:
        return data_folder(self.folder, packaged=self.packaged)

    def read(self, path: Path | str) -> dict:
        """The TOML table of one file; an unreadable file is the corpus's error on field ``(file)``."""
        import tomllib

        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self.fail(path, "(file)", "no such file") from None
        except UnicodeDecodeError:
            raise self.fail(path, "(file)", "not UTF-8 text") from None
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            if self.toml_error is not None:
                raise self.toml_error(path, text, exc) from None
            raise self.fail(path, "(file)", f"not valid TOML: {exc}") from None

    def load(self, path: Path | str) -> T:
        """Read and validate one file; with ``locate``, a problem also names the line its field is on."""
        path = Path(path)
        raw = self.read(path)
        if not self.locate:
            return self.validate(path, raw)
        try:
            return self.validate(path, raw)
        except self.error as exc:
            field_name = getattr(exc, "field", None)
            if getattr(exc, "line", None) is not None or not isinstance(field_name, str):
                raise
            line = field_line(path.read_text(encoding="utf-8"), field_name)
            if line is None:
                raise
            raise self.error(path, field_name, exc.problem, line) from None

    def _files(self, folder: Path | str | None) -> list[Path]:
        folder = Path(folder) if folder is not None else self.default_folder()
        if not folder.is_dir():
            raise self.fail(folder, "(folder)", f"no such folder of {self.plural}")
        files = sorted(folder.glob(self.pattern))
        if self.require_files and not files:
            raise self.fail(folder, "(folder)", f"has no {self.pattern} {self.noun} files")
        return files

    def _duplicates(self, records: Iterable[T]) -> list[Exception]:
        seen: dict[str, str] = {}
        found = []
        for record in records:
            path = Path(self.source(record))
            if record.id in seen:
                found.append(self.fail(path, "id", f"{record.id} is also used by {seen[record.id]}"))
            seen.setdefault(record.id, path.name)
        return found

    def load_all(self, folder: Path | str | None = None) -> list[T]:
        """Every ``*.toml`` file in ``folder`` (default: the corpus's own), in the corpus's order; stops at the
        first bad file."""
        records = [self.load(p) for p in self._files(folder)]
        for problem in self._duplicates(records):
            raise problem
        return sorted(records, key=self.order)

    def check(self, folder: Path | str | None = None) -> tuple[list[T], list[str]]:
        """Every file that validates, and one line per problem (every bad file, not just the first)."""
        try:
            files = self._files(folder)
        except self.error as exc:  # no folder, or no files: a problem to list like any other
            return [], [str(exc)]
        good, errors = [], []
        for path in files:
            try:
                good.append(self.load(path))
            except self.error as exc:
                errors.append(str(exc))
        errors += [str(problem) for problem in self._duplicates(good)]
        return good, errors

    def main(self, argv: Sequence[str], reports: Mapping[str, Callable[[list[T]], Iterable[str]]],
             after: Callable[[list[T]], tuple[list[str], bool]] | None = None) -> int:
        """The command line: ``<command> [FOLDER]``; ``reports[command]`` gives the lines printed before the counts,
        ``after`` more lines after the errors and whether they fail the check (the vignettes' balance rules)."""
        if not argv or argv[0] not in reports:
            print(f"usage: python -m {self.module} {'|'.join(reports)} [FOLDER]", file=sys.stderr)
            return 2
        good, errors = self.check(argv[1] if len(argv) > 1 else None)
        for line in reports[argv[0]](good):
            print(line)
        print(f"{len(good)} valid {self.counted or self.noun + '(s)'}, {len(errors)} with errors")
        for line in errors:
            print("ERROR", line)
        more, failed = after(good) if after else ([], False)
        for line in more:
            print(line)
        return 1 if errors or failed else 0


@dataclass(frozen=True)
class Field:
    """One field of a corpus's table, declared: what it holds, whether a file may leave it out, what it means.

    ``kind`` is ``text``, ``choice`` (one of ``choices``), ``whole`` (a whole number from ``low`` to ``high``),
    ``parse`` (text read by ``parse``, whose ``errors`` are written for a student), ``table`` (a sub-table of
    ``fields``), ``tables`` (a list of such sub-tables, read by the corpus) or ``any`` (checked by the corpus).
    """

    name: str
    doc: str
    kind: str = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    parse: Callable[[object], Any] | None = None
    errors: type | tuple[type, ...] = ()
    fields: "Schema | None" = None
    missing: str = "missing"        # the problem when a required field is left out
    collapse: bool = True           # text: collapse white space (False: only strip, so paragraphs stay)
    verbatim: bool = False          # text: kept exactly as written (checked to be text that is not blank)


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of table, in the order a file gives them (and a template and README describe them)."""

    fields: tuple[Field, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)



class Fields:
    """Reads the fields of one TOML table; every problem goes to ``fail(field, problem)``, which names the place.

    >>> Fields({"age": 40}, fail=print).whole("age", 1, 110)
    40
    """

    def __init__(self, raw: Mapping, fail: Callable[[str, str], NoReturn], prefix: str = ""):
        self.raw, self._fail, self.prefix = raw, fail, prefix

    def fail(self, name: str | None, problem: str) -> NoReturn:
        """Report ``problem`` at field ``name`` (None: the table as a whole)."""
        self._fail(None if name is None else self.prefix + name, problem)
        raise AssertionError("fail() must raise")  # pragma: no cover

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def get(self, name: str, default: object = None) -> object:
        return self.raw.get(name, default)

    def only(self, allowed: Sequence[str], required: Iterable[str] = ()) -> None:
        """No field outside ``allowed`` (the closest allowed one is suggested), and every ``required`` one present."""
        for name in sorted(set(self.raw) - set(allowed))[:1]:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.fail(name, f"unknown field{hint}; allowed here: {', '.join(allowed)}")
        for name in required:
            if name not in self.raw:
                self.fail(name, "missing")

    def text(self, name: str, *, empty_ok: bool = False, collapse: bool = True, default: object = "") -> str:
        """A text field, its white space collapsed (``collapse=False``: only stripped, so paragraphs stay)."""
        value = self.raw.get(name, default)
        if not isinstance(value, str):
            kind = "nothing" if value is None else type(value).__name__
            self.fail(name, f"must be text in quotes, got {kind}")
        value = " ".join(value.split()) if collapse else value.strip()
        if not value and not empty_ok:
            self.fail(name, "is empty")
        return value

    def verbatim(self, name: str) -> str:
        """A text field as written (paragraphs, leading line breaks and all), which must not be blank."""
        value = self.raw.get(name)
        if not isinstance(value, str):
            self.fail(name, f"must be text in quotes, got {'nothing' if value is None else type(value).__name__}")
        if not value.strip():
            self.fail(name, "is empty")
        return value

    def choice(self, name: str, allowed: Sequence[str], *, collapse: bool = True) -> str:
        value = self.text(name, collapse=collapse)
        if value not in allowed:
            self.fail(name, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    def whole(self, name: str, low: int, high: int) -> int:
        value = self.raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"must be a whole number, got {value!r}")
        if not low <= value <= high:
            self.fail(name, f"{value} is out of range ({low}-{high})")
        return value

    def texts(self, name: str) -> tuple[str, ...]:
        """A text or a list of non-empty texts (absent: none)."""
        value = self.raw.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(name, "must be a text or a list of non-empty texts")
        return tuple(" ".join(v.split()) for v in value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.raw.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
        return value

    def parsed(self, name: str, parser: Callable[[object], T], errors: type | tuple[type, ...]) -> T:
        """``parser`` applied to the field; its error, written for a student, becomes the problem."""
        try:
            return parser(self.raw.get(name))
        except errors as exc:
            self.fail(name, str(exc))

    def read(self, schema: Schema) -> dict[str, Any]:
        """Every field of ``schema``, checked by its kind, in the schema's order (``any`` and ``tables`` fields as
        written, for the corpus to check). A field left out reads as ``""`` (or None when not text)."""
        self.only(schema.names)
        for f in schema.fields:
            if f.required and f.name not in self.raw:
                self.fail(f.name, f.missing)
        values: dict[str, Any] = {}
        for f in schema.fields:
            if f.name not in self.raw:  # only an optional field may be absent (checked above)
                values[f.name] = "" if f.kind == "text" else None
            elif f.kind in ("any", "tables"):
                values[f.name] = self.raw[f.name]
            elif f.kind == "text" and f.verbatim:
                values[f.name] = self.verbatim(f.name)
            elif f.kind == "text":
                values[f.name] = self.text(f.name, empty_ok=not f.required, collapse=f.collapse)
            elif f.kind == "choice":
                values[f.name] = self.choice(f.name, f.choices, collapse=f.collapse)
            elif f.kind == "whole":
                values[f.name] = self.whole(f.name, f.low, f.high)
            elif f.kind == "parse":
                values[f.name] = self.parsed(f.name, f.parse, f.errors)
            elif f.kind == "table":
                values[f.name] = self.table(f.name, f.fields)
            else:
                raise ValueError(f"field {f.name!r} has no kind {f.kind!r}")
        return values

    def table(self, name: str, schema: Schema) -> dict[str, Any]:
        """A sub-table read by ``schema``; its problems are named ``name.field``."""
        value = self.raw.get(name)
        if not isinstance(value, dict):
            self.fail(name, f"must be a table: {{ {' = ..., '.join(schema.names)} = ... }}")
        return Fields(value, self._fail, f"{self.prefix}{name}.").read(schema)


def field_line(text: str, field_name: str) -> int | None:
    """The line (from 1) of a TOML file's ``text`` on which ``field_name`` is written, or the nearest line that holds
    it: ``client.age`` in ``client = { ... }`` is that line, ``turns[3].speaker`` is under the third ``[[turns]]``
    (indices count from 1), ``rubric.points`` under ``[rubric]``. None when the field is not in the file (a missing
    field) or names the file as a whole."""
    import re

    want = []
    for part in field_name.split("."):
        found = re.fullmatch(r"([A-Za-z0-9_-]+)(?:\[(\d+)\])?", part.strip())
        if not found:
            return None
        want.append(found.group(1))
        if found.group(2):
            want.append(int(found.group(2)))
    table: list = []
    counts: dict[tuple, int] = {}
    best: tuple[int, int] | None = None  # (how much of the field matched, line)
    in_string = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        opened = line.count('"""') + line.count("'''")
        if in_string:
            in_string = opened % 2 == 0
            continue
        array = re.fullmatch(r"\[\[\s*([A-Za-z0-9_.-]+)\s*\]\](?:\s*#.*)?", stripped)
        header = re.fullmatch(r"\[\s*([A-Za-z0-9_.-]+)\s*\](?:\s*#.*)?", stripped)
        if array:
            names = tuple(array.group(1).split("."))
            counts[names] = counts.get(names, 0) + 1
            table = [*names[:-1], names[-1], counts[names]]
            path = table
        elif header:
            table = header.group(1).split(".")
            path = table
        else:
            key = re.match(r"([A-Za-z0-9_-]+)\s*=", stripped)
            if opened % 2 == 1:
                in_string = True
            if not key:
                continue
            path = [*table, key.group(1)]
        matched = 0
        for a, b in zip(path, want):
            if a != b:
                break
            matched += 1
        if matched == len(path) or matched == len(want):
            if matched == len(want) and matched == len(path):
                return number
            if matched and (best is None or matched > best[0]):
                best = (matched, number)
    return best[1] if best and best[0] >= 1 else None


def id_is_file_name(path: Path, ident: str, pattern, noun: str, fail: Callable[[str, str], NoReturn]) -> None:
    """A corpus whose files are named by their records' ids (f02.toml holds F02): ``ident`` must match ``pattern``
    and be the file's name; an id copied from another file names that file (the id is used twice)."""
    if pattern.match(ident) and ident.lower() == path.stem:
        return
    owner = path.with_name(f"{ident.lower()}.toml")
    if pattern.match(ident) and owner.exists():
        fail("id", f"{ident} is also used by {owner.name}: each {noun}'s id is its file's name, here "
                   f"{path.stem.upper()!r}")
    fail("id", f"expected {path.stem.upper()!r}, the file's name, got {ident!r}")


def read_named(path: Path, raw: Mapping, schema: Schema, error: Callable[[Path, str, str], Exception], pattern,
               noun: str) -> tuple[dict[str, Any], Callable[[str, str], NoReturn]]:
    """The fields of a file named by its record's id (:func:`id_is_file_name`), read by ``schema``; and the ``fail``
    that raises ``error(path, field, problem)`` for the corpus's further checks."""
    def fail(name: str, problem: str) -> NoReturn:
        raise error(path, name, problem)

    values = Fields(raw, fail).read(schema)
    id_is_file_name(path, values["id"], pattern, noun, fail)
    return values, fail
