"""Compare the reports of two case folders byte for byte, after masking what differs between any two runs.

Used to show that a restructuring changed nothing a user sees (issue 9): build the demo with the code before
and after (``scripts/make_demo.py --out DIR``), then compare ``DIR1/case`` with ``DIR2/case``.
Masked: the case folder's own path, timestamps, the case UUID, and the audit log's entry hashes and anchor
(which are keyed over the timestamps). PDFs are compared by their text without spaces or line breaks (where a
line wraps depends on the masked values). Everything else must be identical. Exit 0 when it is, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import re
import subprocess
import sys
from pathlib import Path

FILES = (
    "report.json",
    "report.csv",
    "report.html",
    "report-vics.json",
    "report-annex.html",
    "report.pdf",
    "report-annex.pdf",
)
_MASKS = (
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b\d+:[0-9a-f]{64}\b"), "<anchor>"),
    (re.compile(r'"hash": "[0-9a-f]{64}"'), '"hash": "<audit hash>"'),
)


def text_of(path: Path) -> str:
    """A report's text; a PDF's as ``pdftotext`` reads it, without white space (its bytes hold the time it
    was made, and where its lines wrap depends on the masked values)."""
    if path.suffix == ".pdf":
        text = subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
        return re.sub(r"\s+", "", text)
    return path.read_text(encoding="utf-8")


def masked(text: str, root: Path, *, pdf: bool) -> list[str]:
    """The text with the run's own values masked, as lines (a PDF's in lines of 100 characters)."""
    text = text.replace(re.sub(r"\s+", "", str(root)) if pdf else str(root), "<demo>")
    for pattern, mask in _MASKS:
        text = pattern.sub(mask, text)
    if pdf:
        return [text[start : start + 100] + "\n" for start in range(0, len(text), 100)]
    return text.splitlines(keepends=True)


def main(argv: list[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--before-root", type=Path, help="the demo folder the first reports were made in")
    parser.add_argument("--after-root", type=Path, help="the demo folder the second reports were made in")
    args = parser.parse_args(argv)
    roots = (args.before_root or args.before.resolve().parent, args.after_root or args.after.resolve().parent)
    differ = False
    for name in FILES:
        old, new = args.before / name, args.after / name
        if not old.exists() and not new.exists():
            continue
        if not (old.exists() and new.exists()):
            print(f"{name}: only in {'the first' if old.exists() else 'the second'} folder")
            differ = True
            continue
        lines = list(
            difflib.unified_diff(
                masked(text_of(old), roots[0], pdf=old.suffix == ".pdf"),
                masked(text_of(new), roots[1], pdf=new.suffix == ".pdf"),
                str(old),
                str(new),
                n=1,
            )
        )
        print(f"{name}: {'identical' if not lines else 'DIFFERENT'}")
        sys.stdout.writelines(lines[:60])
        differ = differ or bool(lines)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
