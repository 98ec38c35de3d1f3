"""``ipt-course lti push | results | jwks | keygen``: the instructor's side of LTI 1.3 grade passback."""

from __future__ import annotations

import sys
from pathlib import Path

MISSING_EXTRA = ("ipt-course lti needs the course's 'lti' extra: pip install 'ipt-workbook[lti]' "
                 "(pylti1p3next, PyJWT, cryptography).")


def run(args) -> int:
    try:
        import pylti1p3  # noqa: F401
    except ImportError:
        print(MISSING_EXTRA, file=sys.stderr)
        return 1
    from .lti_config import describe_jwks, keygen, load_config

    course = Path(args.course)
    try:
        if args.lti_command == "keygen":
            key = Path(args.key)
            keygen(key)
            print(f"wrote {key} (mode 600; keep it out of git and backups students can read)")
            print(describe_jwks(key))
            print(f"Then name it in {course / 'lti.toml'}: [tool] private_key = \"{key}\"")
            return 0
        config = load_config(course, args.config)
        if args.lti_command == "jwks":
            print(describe_jwks(config.private_key))
            return 0
        if args.lti_command == "push":
            from .lti_passback import push

            report = push(course, config, assignments=args.assignments or None, missing=args.missing)
            return 0 if report.ok else 1
        if args.lti_command == "results":
            from .lti_passback import read_results

            held = read_results(config, args.assignments or None)
            students = {sub: student for student, sub in config.users.items()}
            for assignment, results in sorted(held.items()):
                print(f"{assignment}: {len(results)} result(s)")
                for user, result in sorted(results.items()):
                    score = result.get("resultScore")
                    shown = "no grade" if score is None else f"{score:g} / {result.get('resultMaximum', 1):g}"
                    print(f"  {students.get(user, '(not in lti.toml)')} [{user}]: {shown}")
            if not held:
                print("the LMS holds no line item of this tool yet (run `ipt-course lti push`)")
            return 0
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"ipt-course lti {args.lti_command}: {exc}", file=sys.stderr)
        return 1
    return 2
