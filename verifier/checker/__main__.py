"""``python -m verifier.checker CERT.json``: exit 0 only if every claim re-checks."""

import json
import os
import sys

from .check import check_certificate


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m verifier.checker CERT.json", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as fh:
            cert = json.load(fh, parse_constant=lambda c: None)
    except (OSError, ValueError, RecursionError) as exc:
        print(f"cannot read certificate {argv[0]}: {type(exc).__name__}: {str(exc)[:100]}", file=sys.stderr)
        return 2
    # a floating-point-tier certificate's arrays file lies next to it
    report = check_certificate(cert, base_dir=os.path.dirname(os.path.abspath(argv[0])))
    print(report.text())
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
