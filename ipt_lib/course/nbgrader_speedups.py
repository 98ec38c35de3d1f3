"""Speed-ups of nbgrader's per-submission bookkeeping in an autograde worker (ipt_lib/course/parallel.py).

Each one replaces work that nbgrader repeats for every submission with the same work done once per worker, without
changing what is computed: nbgrader's metadata schema checked once (not on every cell), one SQLAlchemy engine per
gradebook (its compiled SQL kept, its tables checked once, its connections reused), nbgrader's per-cell lookups made
in one query per kind and notebook, one notebook validation per conversion (not one per preprocessor), the
autograded scores saved in one commit (not one per grade and comment), the SQLite gradebook in WAL mode on a local
file system, no build of jsonschema's IRI grammars, each cell output checked by nbformat's compiled schema (not by
jsonschema walking the schema), and the kernel messages' dates parsed by the standard library. Several of them
replace nbgrader internals, so all of them are applied only with the nbgrader releases they were written and tested
against (``NBGRADER_RELEASES``); with any other release a worker runs nbgrader's own code, slower, and the autograde
command says so in one line. ``tests/test_nbgrader_speedups.py`` checks that the verdicts stay nbgrader's (and
nbformat's and jupyter_client's); ``benchmarks/bench_autograde.py`` measures what they save.
"""

from __future__ import annotations

import sys

NBGRADER_RELEASES = ("0.9.6",)


def nbgrader_release() -> str:
    """The installed nbgrader's version, read from its metadata (importing nbgrader loads its server extensions)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nbgrader")
    except PackageNotFoundError:
        return "none"


def unsupported_warning(release: str | None = None) -> str | None:
    """None if the speed-ups were written for this nbgrader ``release`` (default: the installed one), else the
    one-line warning that says they are left out."""
    release = nbgrader_release() if release is None else release
    if release in NBGRADER_RELEASES:
        return None
    return (f"warning: nbgrader {release} is not a release the autograde speed-ups were written for "
            f"({', '.join(NBGRADER_RELEASES)}): grading with nbgrader's own code, which is slower")


def apply(release: str | None = None) -> bool:
    """In a worker process, first thing (before jsonschema or nbgrader is imported): apply the speed-ups if they
    were written for this nbgrader; return whether they were (then :func:`configure` the course's configuration)."""
    if unsupported_warning(release) is not None:
        return False
    skip_iri_grammars()
    check_each_schema_once()
    share_gradebook_engines()
    validate_outputs_once_compiled()
    parse_message_dates_quickly()
    return True


def configure(config) -> None:
    """nbconvert validates the notebook after each of the preprocessors of a submission; once, after the last,
    gives the same verdict (an invalid notebook is still refused, naming the last preprocessor). nbgrader's
    SaveAutoGrades in the course's autograde preprocessors becomes ``SaveAutoGradesOnce``
    (:func:`save_autogrades_once`)."""
    config.Exporter.optimistic_validation = True
    from nbgrader.preprocessors import SaveAutoGrades

    listed = config.Autograde.get("autograde_preprocessors")
    if listed:
        config.Autograde.autograde_preprocessors = [
            save_autogrades_once() if pp is SaveAutoGrades or pp == "nbgrader.preprocessors.SaveAutoGrades" else pp
            for pp in listed]


class _FlushInsteadOfCommit:
    """A gradebook session whose ``commit`` only flushes (the rows are written, inside one transaction)."""

    def __init__(self, session):
        self._session = session

    def commit(self):
        self._session.flush()

    def __getattr__(self, name):
        return getattr(self._session, name)


_ONCE: list = []


def save_autogrades_once():
    """The class :class:`SaveAutoGradesOnce` (built on first use: importing nbgrader here would cost every caller
    of this module)."""
    if _ONCE:
        return _ONCE[0]
    from nbgrader import api
    from nbgrader.preprocessors import SaveAutoGrades

    class SaveAutoGradesOnce(SaveAutoGrades):
        """nbgrader's SaveAutoGrades (the same rows, the same values: its own ``_add_score`` and ``_add_comment``),
        committed once per notebook instead of once per grade and per comment.

        nbgrader commits after every grade and every comment (about 20 per submission of assignment 1, 30 of
        assignment 3); each commit of an SQLite gradebook waits for the disk (fsync) while holding the gradebook's
        write lock, so the other workers wait too. Here each of those commits is a flush in one transaction,
        committed at the end of the notebook: the same rows, visible to the other workers all at once, and if the
        notebook fails half-way none of its scores are saved (nbgrader would leave some): the submission is then
        reported as failed and graded again on the next run, as before.
        """

        def preprocess(self, nb, resources):
            self.notebook_id = resources['nbgrader']['notebook']
            self.assignment_id = resources['nbgrader']['assignment']
            self.student_id = resources['nbgrader']['student']
            self.db_url = resources['nbgrader']['db_url']
            self.gradebook = api.Gradebook(self.db_url)
            with self.gradebook:
                session = self.gradebook.db
                self.gradebook.db = _FlushInsteadOfCommit(session)
                try:
                    nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
                finally:
                    self.gradebook.db = session
                session.commit()
            return nb, resources

    SaveAutoGradesOnce.__module__ = __name__
    _ONCE.append(SaveAutoGradesOnce)
    return SaveAutoGradesOnce


def skip_iri_grammars() -> None:
    """jsonschema imports rfc3987_syntax (an optional checker of the "iri" string format) when it is installed, and
    that builds its grammars at import, a large share of a worker's start. Nothing in a worker checks string
    formats (nbformat and nbgrader validate without a format checker), so workers go without it. Must run before
    jsonschema is imported."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]


class SchemaOnce:
    """``jsonschema`` as nbgrader's cell-metadata validator uses it, checking each schema once per process.

    ``jsonschema.validate(instance, schema)`` checks the schema itself against its meta-schema on every call;
    nbgrader calls it for every cell of every notebook, twice per submission (CheckCellMetadata before and after
    execution), re-checking nbgrader's own unchanging schema each time. Here the validator for a schema is built
    (and the schema checked) once; each instance is still validated in full and the same error is raised for an
    invalid one (the same ``best_match`` of the same errors).
    """

    def __init__(self, module):
        self._module = module
        self._latest: tuple[object, object, object] | None = None  # (schema object, validator, compiled)
        self._by_content: dict[str, tuple[object, object]] = {}

    def validate(self, instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return self._module.validate(instance, schema, cls, *args, **kwargs)
        known = self._latest
        if known is None or known[0] is not schema:
            # nbgrader reads its schema file again for each notebook it checks: the same schema in a new object
            import json

            try:
                content = json.dumps(schema, sort_keys=True)
            except (TypeError, ValueError):
                content = None
            entry = self._by_content.get(content) if content is not None else None
            if entry is None:
                klass = self._module.validators.validator_for(schema)
                klass.check_schema(schema)
                entry = (klass(schema), _compiled(schema))
                if content is not None:
                    self._by_content[content] = entry
            known = self._latest = (schema, *entry)
        if known[2] is not None:
            # the schema compiled by fastjsonschema (as nbformat checks notebooks): an instance it accepts is
            # valid; anything else is judged by jsonschema, whose error is raised as before
            try:
                known[2](instance)
                return
            except Exception:  # noqa: BLE001 - fastjsonschema's JsonSchemaException, or anything it trips on
                pass
        error = self._module.exceptions.best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        return getattr(self._module, name)


def _compiled(schema):
    """``schema`` compiled by fastjsonschema, or None when it is not installed or cannot compile it. Compiled to
    judge only, as jsonschema does: it fills in no default values (fastjsonschema's would add ``"task": false`` to
    a cell's metadata) and checks no string formats."""
    try:
        import fastjsonschema

        return fastjsonschema.compile(schema, use_default=False, use_formats=False)
    except Exception:  # noqa: BLE001 - jsonschema alone, as before
        return None


def check_each_schema_once() -> None:
    import jsonschema
    from nbgrader.nbgraderformat import common

    if common.jsonschema is jsonschema:
        common.jsonschema = SchemaOnce(jsonschema)


def share_gradebook_engines() -> None:
    """One SQLAlchemy engine per gradebook for the worker's life, instead of one per ``Gradebook(...)``.

    nbgrader opens the gradebook about nine times per submission, each time with a new engine, and SQLAlchemy
    keeps its cache of compiled SQL statements on the engine: every query of every submission was compiled again.
    The engine is SQLAlchemy's long-lived object by design; nbgrader still opens and closes its session and
    connections as before (``close()`` disposes of the pool, not of the compiled statements).

    Three more things happen once per engine instead of once per open: nbgrader's check of the schema
    (``Gradebook`` lists the tables and runs ``create_all``, about 13 PRAGMA statements per open), for an SQLite
    gradebook on a local file system the switch to WAL mode (:func:`wal_allowed`), and the connection itself:
    ``Gradebook.close()`` ends its session (rolled back if not committed, as before) and returns the connection to
    the engine's pool instead of disposing of the pool, so the next open reuses it. For PostgreSQL that is the
    difference between one connection per worker and a new TCP connection, login and server process for each of the
    ~11 opens of a submission (measured: 0.51-0.80 s of wall and 0.14 s of worker CPU per submission; see
    benchmarks/FINDINGS-warm-path.md, "Past 2 cores"); a pooled server connection is checked before each reuse
    (``pool_pre_ping``), so a server restart costs a reconnect, not a submission.
    """
    from nbgrader import api

    if getattr(api.create_engine, "ipt_shared", False):
        return
    create = api.create_engine
    engines: dict = {}

    def shared(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            if not str(url).startswith("sqlite"):
                kwargs = {**kwargs, "pool_pre_ping": True}
            engines[key] = engine = create(url, **kwargs)
            if engine.dialect.name == "sqlite" and wal_allowed(engine.url.database):
                from sqlalchemy import event

                event.listen(engine, "connect", _wal_mode)
        return engines[key]

    shared.ipt_shared = True  # type: ignore[attr-defined]
    api.create_engine = shared
    _check_schema_once(api)
    _keep_connections(api, engines)
    _look_up_cells_together(api)


def _look_up_cells_together(api) -> None:
    """nbgrader's ``find_source_cell``, ``find_graded_cell``, ``find_grade`` and ``find_comment`` answered from one
    query per kind and notebook, made on the first call, instead of one query (with up to six joins) per cell.

    OverwriteCells asks for each graded cell's source cell and grade cell, SaveAutoGrades for each one's grade and
    comment: about 60 queries per submission of assignment 1. Here the first call for a notebook loads every row
    of that kind with nbgrader's own joins and filters (without the cell's name), in the same session, so each
    answer is the very object nbgrader's query would have returned. A name the first load did not find, or found
    twice, is asked for with nbgrader's own query: the same answer, or the same ``MissingEntry`` or
    ``MultipleResultsFound``. The rows are kept for the life of one ``Gradebook`` (one session): autograde never
    deletes or renames source cells, grades or comments while it runs."""
    G = api.Gradebook
    if getattr(G.find_grade, "ipt_together", False):
        return
    originals = {name: getattr(G, name) for name in ("find_source_cell", "find_graded_cell", "find_grade",
                                                       "find_comment")}

    def _table(self, key, load):
        tables = self.__dict__.setdefault("_ipt_rows", {})
        table = tables.get(key)
        if table is None:
            table, seen = {}, set()
            for row, name in load():
                if name in seen:
                    table.pop(name, None)  # twice: nbgrader's query says what is wrong
                else:
                    seen.add(name)
                    table[name] = row
            tables[key] = table
        return table

    def _cells(self, cell_class, notebook, assignment):
        return (self.db.query(cell_class, cell_class.name)
                .join(api.Notebook, api.Notebook.id == cell_class.notebook_id)
                .join(api.Assignment, api.Assignment.id == api.Notebook.assignment_id)
                .filter(api.Notebook.name == notebook, api.Assignment.name == assignment).all())

    def _submitted(self, row_class, cell_class, notebook, assignment, student):
        return (self.db.query(row_class, cell_class.name)
                .join(cell_class, cell_class.id == row_class.cell_id)
                .join(api.SubmittedNotebook, api.SubmittedNotebook.id == row_class.notebook_id)
                .join(api.Notebook, api.Notebook.id == api.SubmittedNotebook.notebook_id)
                .join(api.SubmittedAssignment, api.SubmittedAssignment.id == api.SubmittedNotebook.assignment_id)
                .join(api.Assignment, api.Assignment.id == api.SubmittedAssignment.assignment_id)
                .join(api.Student, api.Student.id == api.SubmittedAssignment.student_id)
                .filter(api.Notebook.name == notebook, api.Assignment.name == assignment,
                        api.Student.id == student).all())

    def find_source_cell(self, name, notebook, assignment):
        table = _table(self, ("source", notebook, assignment),
                       lambda: _cells(self, api.SourceCell, notebook, assignment))
        found = table.get(name)
        return found if found is not None else originals["find_source_cell"](self, name, notebook, assignment)

    def find_graded_cell(self, name, notebook, assignment):
        for cell_class in (api.GradeCell, api.TaskCell):  # nbgrader's order: a grade cell, else a task cell
            table = _table(self, (cell_class.__name__, notebook, assignment),
                           lambda c=cell_class: _cells(self, c, notebook, assignment))
            found = table.get(name)
            if found is not None:
                return found
        return originals["find_graded_cell"](self, name, notebook, assignment)

    def _find_submitted(kind, row_class, cell_classes):
        def find(self, name, notebook, assignment, student):
            for cell_class in cell_classes:
                table = _table(self, (kind, cell_class.__name__, notebook, assignment, student),
                               lambda c=cell_class: _submitted(self, row_class, c, notebook, assignment, student))
                found = table.get(name)
                if found is not None:
                    return found
            return originals[kind](self, name, notebook, assignment, student)
        return find

    replacements = {"find_source_cell": find_source_cell, "find_graded_cell": find_graded_cell,
                    "find_grade": _find_submitted("find_grade", api.Grade, (api.GradeCell, api.TaskCell)),
                    "find_comment": _find_submitted("find_comment", api.Comment, (api.SolutionCell, api.TaskCell))}
    for name, function in replacements.items():
        function.__doc__ = originals[name].__doc__
        function.ipt_together = True  # type: ignore[attr-defined]
        setattr(G, name, function)


def _keep_connections(api, engines: dict) -> None:
    """``Gradebook.close()`` that returns a shared engine's connection to its pool (nbgrader's disposes of the pool,
    so every open made a new connection); a gradebook on any other engine is closed as nbgrader closes it."""
    original = api.Gradebook.close

    def close(self):
        if any(self.engine is engine for engine in engines.values()):
            self.db.remove()
        else:
            original(self)

    close.__doc__ = original.__doc__
    api.Gradebook.close = close


def _check_schema_once(api) -> None:
    """``Gradebook.__init__`` without its schema check (the table list, ``create_all``, the alembic version) on an
    engine whose schema this worker has already checked (or built): the tables do not go away during a run. Nor
    does the course's row: nbgrader's ``check_course`` (a SELECT and a commit, 11 of a submission's 15 commits) runs
    at the first open of each course on the engine, not at every open. The session factory is made once per engine
    (each open still gets a session of its own)."""
    original = api.Gradebook.__init__
    checked: set[int] = set()
    courses: set[tuple[int, str]] = set()
    makers: dict[int, object] = {}

    def init(self, db_url, course_id="default_course", authenticator=None):
        engine = api.create_engine(db_url, echo=False, future=True)
        if id(engine) not in checked:
            original(self, db_url, course_id, authenticator)
            checked.add(id(self.engine))
            courses.add((id(self.engine), course_id))
            return
        self.engine = engine
        maker = makers.get(id(engine))
        if maker is None:
            maker = makers[id(engine)] = api.sessionmaker(autoflush=True, bind=self.engine, future=True)
        self.db = api.scoped_session(maker)
        if (id(engine), course_id) not in courses:
            self.check_course(course_id=course_id)
            courses.add((id(engine), course_id))
        self.course_id = course_id
        self.authenticator = authenticator

    init.__doc__ = original.__doc__
    api.Gradebook.__init__ = init


# File systems on which SQLite's WAL mode must not be used: its index (the -shm file) is shared memory, which works
# only between processes of one machine, and network file systems do not keep mmap()ed files coherent between
# machines (https://www.sqlite.org/wal.html: "WAL does not work over a network filesystem").
NETWORK_FILE_SYSTEMS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "ceph", "glusterfs", "lustre", "gpfs", "afs",
                        "ncpfs", "fuse.sshfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.rclone", "fuse.glusterfs",
                        "fuse.cephfs", "beegfs", "orangefs", "virtiofs")


def file_system_type(path: str) -> str:
    """The type of the file system that holds ``path`` (``/proc/self/mountinfo``: the longest mount point above it),
    or "" if it cannot be told."""
    import os

    target = os.path.realpath(path)
    best, kind = "", ""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as lines:
            for line in lines:
                left, _, right = line.partition(" - ")
                fields = left.split()
                if len(fields) < 5 or not right:
                    continue
                mount = fields[4].replace("\\040", " ")
                inside = target == mount or target.startswith(mount.rstrip("/") + "/")
                if inside and len(mount) >= len(best):
                    best, kind = mount, right.split()[0]
    except OSError:
        return ""
    return kind


def wal_allowed(database: str | None) -> bool:
    """Whether the workers may switch the SQLite gradebook at ``database`` to WAL mode: a file (not in memory) on a
    file system known to be local. On NFS, SMB and the like, or if the type cannot be told, the gradebook keeps
    SQLite's default rollback journal (the deployment guide's PostgreSQL gradebook is the answer for shared
    storage)."""
    import os

    if not database or database == ":memory:" or os.environ.get("IPT_GRADEBOOK_NO_WAL"):
        return False
    kind = file_system_type(os.path.dirname(os.path.abspath(database)) or ".")
    return bool(kind) and kind not in NETWORK_FILE_SYSTEMS and not kind.startswith("fuse")


def _wal_mode(dbapi_connection, _record) -> None:
    """Each new SQLite connection of a worker: WAL mode. Readers no longer wait for a writer (nbgrader's ~10 opens
    per submission read while another worker commits), and a commit appends to the log with one fsync instead of
    the rollback journal's several. ``synchronous`` stays FULL: every commit is as durable as nbgrader's. The mode
    is stored in the database file, so the gradebook stays in WAL mode after the run (nbgrader and the formgrader
    read it as usual, on the same machine); ``PRAGMA journal_mode=DELETE`` switches it back."""
    import sqlite3

    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # a no-op once the file is in WAL mode
        cursor.execute("PRAGMA synchronous=FULL")
    except sqlite3.OperationalError:
        pass  # another worker holds the lock while switching: this connection works in whatever mode the file has
    finally:
        cursor.close()


def validate_outputs_once_compiled() -> None:
    """Each output the kernel sends is checked against nbformat's schema for outputs as it arrives (nbclient builds
    it with ``nbformat.v4.new_output``, which validates it): nbformat's default validator, fastjsonschema, hands any
    check of a part of the schema (``ref="output"``) to jsonschema, which walks the whole schema for each output
    (about 35 outputs per submission of assignment 1: 13 ms of the worker's 145 ms of CPU, measured). Here the part is
    compiled by fastjsonschema once, as nbformat compiles the whole notebook's schema; an output it accepts is
    accepted, and anything it does not accept goes to jsonschema as before, so an invalid output raises nbformat's
    own error, word for word. (The whole notebook is validated by fastjsonschema again before it is written.)"""
    try:
        import fastjsonschema
        from nbformat import json_compat
    except ImportError:
        return
    validator = getattr(json_compat, "FastJsonSchemaValidator", None)
    if validator is None or getattr(validator.iter_errors, "ipt_compiled", False):
        return
    original = validator.iter_errors
    compiled: dict = {}

    def iter_errors(self, data, schema=None):
        ref = schema.get("$ref") if isinstance(schema, dict) and len(schema) == 1 else None
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            key = (id(self), ref)
            check = compiled.get(key)
            if check is None:
                whole = self._schema
                part = {"definitions": whole.get("definitions", {}), "$ref": ref}
                if "$schema" in whole:
                    part["$schema"] = whole["$schema"]
                try:
                    check = fastjsonschema.compile(part)
                except Exception:  # noqa: BLE001 - a schema it cannot compile: jsonschema, as before
                    check = False
                compiled[key] = check
            if check:
                try:
                    check(data)
                    return []
                except fastjsonschema.JsonSchemaException:
                    pass  # jsonschema says what is wrong, as before
        return original(self, data, schema)

    iter_errors.ipt_compiled = True  # type: ignore[attr-defined]
    validator.iter_errors = iter_errors


def parse_message_dates_quickly() -> None:
    """jupyter_client turns every ISO 8601 string of every kernel message's headers into a datetime with dateutil's
    general parser (about 350 per submission, measured: 5-7 ms of the worker's CPU). Python's own
    ``datetime.fromisoformat`` reads the same strings (the kernel writes them with ``isoformat``) to equal
    datetimes; a string it cannot read goes to jupyter_client's parser as before."""
    try:
        from datetime import datetime

        from jupyter_client import jsonutil
    except ImportError:
        return
    original = getattr(jsonutil, "parse_date", None)
    pattern = getattr(jsonutil, "ISO8601_PAT", None)
    ensure = getattr(jsonutil, "_ensure_tzinfo", None)
    if original is None or pattern is None or ensure is None or getattr(original, "ipt_quick", False):
        return

    def parse_date(s):
        if s is None or not pattern.match(s):
            return s
        try:
            return ensure(datetime.fromisoformat(s))
        except ValueError:
            return original(s)

    parse_date.ipt_quick = True  # type: ignore[attr-defined]
    parse_date.__doc__ = original.__doc__
    jsonutil.parse_date = parse_date
