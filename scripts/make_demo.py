"""Build the benign demo case from ../shared/media and scan it: what ``make demo`` runs."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT.parent / "shared" / "media"


def main(argv: list[str] | None = None) -> int:
    """Build the demo case under ``--out`` and scan it with Warden."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "demo-case")
    parser.add_argument("--media", type=Path, default=MEDIA)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    if not args.media.is_dir():
        print(f"demo: the shared media folder {args.media} is missing", file=sys.stderr)
        return 2
    if out.exists():
        shutil.rmtree(out)
    # The demo keeps its own hash-set store and key inside the demo folder, away from the user's real ones.
    os.environ.setdefault("WARDEN_HOME", str(out / "store"))
    os.environ.setdefault("WARDEN_KEY_FILE", str(out / "keys" / "hashsets.key"))

    from warden.cli import main as warden
    from warden.demo import build_demo
    from warden.hashing.item import HashOptions, hash_file

    options = HashOptions(exact_pdq=True, variants=False)
    print(f"demo: building a benign demo case from {args.media} in {out}")
    demo = build_demo(args.media, out, seed=args.seed, hasher=lambda path: hash_file(path, options).to_json())
    print(f"demo: {len(demo.expected)} evidence files in {demo.evidence}; hash set {demo.hashset}")
    code = warden(["hashset", "import", str(demo.hashset), "--name", "demo"])
    if code:
        return code
    case = out / "case"
    code = warden(
        ["scan", str(demo.evidence), "--hashset", "demo", "--case", str(case), "--workers", str(args.workers)]
    )
    if code:
        return code
    report = json.loads((case / "report.json").read_text(encoding="utf-8"))
    expected = demo.expected_counts()
    found = report["summary"]["by_category"]
    if found == expected:
        print("demo: every count matches what the demo case was built to hold")
    else:
        print("demo: counts differ from what the demo case was built to hold:")
        for category in expected:
            print(f"  {category}: expected {expected[category]}, found {found[category]}")
    print(f"demo: the result is in {case / 'report.json'} (also report.html and report.csv beside it)")
    return 0 if found == expected else 1


if __name__ == "__main__":
    sys.exit(main())
