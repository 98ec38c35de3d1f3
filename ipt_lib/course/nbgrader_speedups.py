"""Speed-ups of nbgrader's per-submission bookkeeping in an autograde worker (ipt_lib/course/parallel.py).

Each one replaces work that nbgrader repeats for every submission with the same work done once per worker, without
changing what is computed: nbgrader's metadata schema checked once (not on every cell), one SQLAlchemy engine per
gradebook (its compiled SQL kept, its tables checked once), one notebook validation per conversion (not one per
preprocessor), the autograded scores saved in one commit (not one per grade and comment), the SQLite gradebook in
WAL mode on a local file system, and no build of jsonschema's IRI grammars. Several of them replace nbgrader
internals, so all of them are applied only with the nbgrader releases they were written and tested against
(``NBGRADER_RELEASES``); with any other release a worker runs nbgrader's own code, slower, and the autograde command
says so in one line. ``tests/test_nbgrader_speedups.py``
checks that the verdicts stay nbgrader's; ``benchmarks/bench_autograde.py`` measures what they save.
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
        self._validators: dict[int, tuple[object, object]] = {}

    def validate(self, instance, schema, cls=None, *args, **kwargs):
        if cls is not None or args or kwargs:
            return self._module.validate(instance, schema, cls, *args, **kwargs)
        known = self._validators.get(id(schema))
        if known is None or known[0] is not schema:
            klass = self._module.validators.validator_for(schema)
            klass.check_schema(schema)
            known = self._validators[id(schema)] = (schema, klass(schema))
        error = self._module.exceptions.best_match(known[1].iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        return getattr(self._module, name)


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

    Two more things happen once per engine instead of once per open: nbgrader's check of the schema (``Gradebook``
    lists the tables and runs ``create_all``, about 13 PRAGMA statements per open), and, for an SQLite gradebook on
    a local file system, the switch to WAL mode (:func:`wal_allowed`).
    """
    from nbgrader import api

    if getattr(api.create_engine, "ipt_shared", False):
        return
    create = api.create_engine
    engines: dict = {}

    def shared(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = engine = create(url, **kwargs)
            if engine.dialect.name == "sqlite" and wal_allowed(engine.url.database):
                from sqlalchemy import event

                event.listen(engine, "connect", _wal_mode)
        return engines[key]

    shared.ipt_shared = True  # type: ignore[attr-defined]
    api.create_engine = shared
    _check_schema_once(api)


def _check_schema_once(api) -> None:
    """``Gradebook.__init__`` without its schema check (the table list, ``create_all``, the alembic version) on an
    engine whose schema this worker has already checked (or built): the tables do not go away during a run."""
    original = api.Gradebook.__init__
    checked: set[int] = set()

    def init(self, db_url, course_id="default_course", authenticator=None):
        engine = api.create_engine(db_url, echo=False, future=True)
        if id(engine) not in checked:
            original(self, db_url, course_id, authenticator)
            checked.add(id(self.engine))
            return
        self.engine = engine
        self.db = api.scoped_session(api.sessionmaker(autoflush=True, bind=self.engine, future=True))
        self.check_course(course_id=course_id)
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
