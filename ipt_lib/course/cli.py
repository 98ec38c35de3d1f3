"""`ipt-course`: the instructor's command.

    ipt-course demo            the whole grading cycle on the sample class (scratch folder, SQLite, local exchange)
    ipt-course build           rebuild assignment sources and case files from data/, then release/
    ipt-course release         regenerate release/ from source/ with nbgrader generate_assignment
    ipt-course check-data      validate every vignette and print the coverage table
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ipt-course", description="IPT Workbook: instructor tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the whole grading cycle on the sample submissions")
    demo.add_argument("--dir", help="an empty or new folder for the scratch course (default: a new temp folder)")
    demo.add_argument("--timeout", type=int, default=15, help="seconds a cell may run at autograde (default 15)")
    demo.add_argument("--no-sandbox", action="store_true",
                      help="grade student code without bubblewrap (not for real courses)")
    sub.add_parser("build", help="rebuild source/ case files and notebooks from data/, then release/")
    sub.add_parser("release", help="regenerate release/ from source/")
    check = sub.add_parser("check-data", help="validate data/vignettes and print coverage")
    check.add_argument("folder", nargs="?", help="folder of vignette files (default: data/vignettes)")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from .cycle import main as cycle_main

        return cycle_main(args.dir, args.timeout, sandbox=not args.no_sandbox)
    if args.command in {"build", "release"}:
        from . import assignment1
        from .release import regenerate_release

        root = assignment1.repo_root()
        if args.command == "build":
            for path in assignment1.build(root):
                print("wrote", path.relative_to(root))
        for path in regenerate_release(root):
            print("released", path.relative_to(root))
        return 0
    if args.command == "check-data":
        from ..vignettes import _main

        return _main(["check"] + ([args.folder] if args.folder else []))
    return 2


if __name__ == "__main__":
    sys.exit(main())
