"""Speed-ups of nbgrader's per-submission bookkeeping in an autograde worker (ipt_lib/course/parallel.py).

Each one replaces work that nbgrader repeats for every submission with the same work done once per worker, without
changing what is computed: nbgrader's metadata schema checked once (not on every cell), one SQLAlchemy engine per
gradebook (its compiled SQL kept), one notebook validation per conversion (not one per preprocessor), and no build
of jsonschema's IRI grammars. Two of them replace nbgrader internals, so all of them are applied only with the
nbgrader releases they were written and tested against (``NBGRADER_RELEASES``); with any other release a worker
runs nbgrader's own code, slower, and the autograde command says so in one line. ``tests/test_nbgrader_speedups.py``
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
    gives the same verdict (an invalid notebook is still refused, naming the last preprocessor)."""
    config.Exporter.optimistic_validation = True


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
    """
    from nbgrader import api

    if getattr(api.create_engine, "ipt_shared", False):
        return
    create = api.create_engine
    engines: dict = {}

    def shared(url, **kwargs):
        key = (str(url), tuple(sorted(kwargs.items())))
        if key not in engines:
            engines[key] = create(url, **kwargs)
        return engines[key]

    shared.ipt_shared = True  # type: ignore[attr-defined]
    api.create_engine = shared
