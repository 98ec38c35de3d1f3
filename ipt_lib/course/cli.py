"""`ipt-course`: the instructor's command.

    ipt-course demo            the whole grading cycle on the sample class (scratch folder, SQLite, local exchange)
    ipt-course build           rebuild assignment sources and case files from data/, then release/
    ipt-course release         regenerate release/ from source/ with nbgrader generate_assignment
    ipt-course check-data      validate every vignette and print the coverage table (--corpus: another corpus)
    ipt-course cohort          rebuild data/cohort/ from its seeded generator (--check: verify, change nothing)
    ipt-course autograde A...  grade every submission on every core, with progress; resumable (--help)
    ipt-course report          item analysis (HTML and CSV) for every assignment in a course's gradebook
    ipt-course lms             grades for Canvas and Moodle, with missing/late/ungraded made explicit
    ipt-course lti push        send grades to the LMS over LTI 1.3 (AGS); keygen, jwks, results (docs/lms-passback.md)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..corpus import CORPORA


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["autograde"]:
        from .parallel import main as autograde_main

        return autograde_main(argv[1:])
    parser = argparse.ArgumentParser(prog="ipt-course", description="IPT Workbook: instructor tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole grading cycle on the sample submissions")
    demo.add_argument("--dir", help="an empty or new folder for the scratch course (default: a new temp folder)")
    demo.add_argument("--timeout", type=int, default=15, help="seconds a cell may run at autograde (default 15)")
    demo.add_argument("--no-sandbox", action="store_true",
                      help="grade student code without bubblewrap (not for real courses)")
    sub.add_parser("autograde", help="grade every submission on every core, with progress (resumable)")
    sub.add_parser("build", help="rebuild source/ case files and notebooks from data/, then release/")
    sub.add_parser("release", help="regenerate release/ from source/")
    leaks = sub.add_parser("check-leaks", help="scan what students can read for solutions, hidden tests and keys")
    leaks.add_argument("paths", nargs="*", help="files or folders (default: release/, notebooks/, ipt_lib/)")
    check = sub.add_parser("check-data", help="validate data/vignettes (or another corpus) and print coverage")
    check.add_argument("folder", nargs="?", help="folder of the corpus's files (default: data/<corpus>)")
    check.add_argument("--corpus", choices=tuple(CORPORA), default="vignettes",
                       help="which corpus of data/ to check (default: vignettes)")
    report = sub.add_parser("report", help="item analysis (HTML and CSV) from a course's gradebook")
    where = "the course folder (its nbgrader_config.py says where the gradebook is)"
    report.add_argument("--course", default=".", help=where)
    report.add_argument("--out", default=None, help="where to write (default: the course folder)")
    report.add_argument("assignments", nargs="*", help="default: every assignment in the gradebook")
    lms = sub.add_parser("lms", help="grades in Canvas and Moodle import layouts (see docs/lms-export.md)")
    lms.add_argument("--course", default=".", help=where)
    lms.add_argument("--roster", required=True, help="students CSV: id, first_name, last_name, email (lms_id, sis_id)")
    lms.add_argument("--out", default=".", help="folder for canvas-grades.csv, moodle-grades.csv, lms-export-notes.csv")
    lms.add_argument("--missing", choices=("ungraded", "zero"), default="ungraded",
                     help="a missing submission: left ungraded (default, and listed in the notes) or 0")
    lms.add_argument("--identifier", choices=("email", "idnumber", "username", "userid"), default="email",
                     help="the Moodle user field the first column is matched on")
    lti = sub.add_parser("lti", help="LTI 1.3 grade passback (AGS) to Canvas, Moodle or another LMS")
    lti_sub = lti.add_subparsers(dest="lti_command", required=True)
    for name, text in [("push", "send every new or changed score; resumable (journal in the course folder)"),
                       ("results", "show the scores the LMS holds for this tool's line items"),
                       ("jwks", "print the public key to give the LMS"),
                       ("keygen", "make the tool's private key (mode 600) and print its public key")]:
        action = lti_sub.add_parser(name, help=text)
        action.add_argument("--course", default=".", help=where)
        action.add_argument("--config", default=None, help="the LTI settings (default: <course>/lti.toml)")
        if name in ("push", "results"):
            action.add_argument("assignments", nargs="*", help="default: every assignment in the gradebook")
        if name == "push":
            action.add_argument("--missing", choices=("ungraded", "zero"), default="ungraded",
                                help="a missing submission: nothing sent (default) or 0")
        if name == "keygen":
            action.add_argument("--key", required=True, help="where to write the private key (never overwritten)")
    cohort = sub.add_parser("cohort", help="rebuild the synthetic caseload in data/cohort/ (same seed, same bytes)")
    cohort.add_argument("--check", action="store_true",
                        help="only check that the files match the generator and pass the schema check")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .cycle import main as cycle_main

        return cycle_main(args.dir, args.timeout, sandbox=not args.no_sandbox)
    if args.command in {"build", "release"}:
        from .cells import repo_root
        from .release import regenerate_release

        root = repo_root()
        if args.command == "build":
            from .packaged import write_packaged_data
            from .registry import ASSIGNMENTS

            try:
                written = [path for a in ASSIGNMENTS for path in a.build(root)] + write_packaged_data(root)
            except ValueError as exc:  # a data file an instructor edited (a vignette, sets.toml, a key): say which
                print(f"build stopped, nothing released: {exc}", file=sys.stderr)
                return 1
            for path in written:
                print("wrote", path.relative_to(root))
        for path in regenerate_release(root):
            print("released", path.relative_to(root))
        return _check_leaks(root, [])
    if args.command == "check-leaks":
        from .cells import repo_root

        return _check_leaks(repo_root(), [Path(p) for p in args.paths])
    if args.command == "check-data":
        from ..corpus import check

        return check(args.corpus, args.folder)
    if args.command == "cohort":
        return _cohort(args.check)
    if args.command == "lti":
        from .lti_cli import run

        return run(args)
    if args.command in {"report", "lms"}:
        try:
            if args.command == "report":
                from .reports import write_reports

                for path in write_reports(Path(args.course), Path(args.out) if args.out else None,
                                          args.assignments or None):
                    print("wrote", path)
            else:
                from .lms import export_lms

                export_lms(Path(args.course), Path(args.roster), Path(args.out), missing=args.missing,
                           identifier=args.identifier)
        except (FileNotFoundError, ValueError) as exc:  # no gradebook, an unknown assignment, a bad roster
            print(f"ipt-course {args.command}: {exc}", file=sys.stderr)
            return 1
        return 0
    return 2


def _cohort(check_only: bool) -> int:
    from . import cohort

    folder = cohort.cohort_dir()
    if not check_only:
        for path in cohort.write(folder):
            print("wrote", path)
    problems = cohort.check(folder)
    for name, text in cohort.generate().files().items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            problems.append(f"{name}: differs from what the generator makes with seed {cohort.SEED} "
                            "(run `ipt-course cohort` to rebuild it)")
    for problem in problems:
        print("PROBLEM", problem)
    print(f"cohort check: {len(problems)} problem(s) in {folder}")
    return 1 if problems else 0


def _check_leaks(root: Path, paths: list[Path]) -> int:
    from .leaks import collect_secrets, scan

    paths = paths or [root / "release", root / "notebooks", root / "ipt_lib"]
    found = scan(paths, collect_secrets(root))
    for leak in found:
        print("LEAK", leak)
    print(f"leak check: {len(found)} leak(s) in {', '.join(str(p) for p in paths)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
