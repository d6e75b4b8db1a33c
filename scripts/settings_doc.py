"""Write docs/settings.md from the settings declared in src/warden/settings.py (run after adding one)."""

from __future__ import annotations

from pathlib import Path

from warden import settings

HEADER = """# Settings

Every setting Warden reads is declared once, in `src/warden/settings.py`, with its default and help text.
A setting is read from its environment variable, else its default; `warden settings` prints current values.
This page is written by `scripts/settings_doc.py`; a test fails when a setting is missing here.

| variable | default | meaning |
| --- | --- | --- |
"""

FOOTER = (
    "\n`WARDEN_OPERATOR` names the person recorded in the audit log (default: the login name).\n"
    "\nA case scanned with `--db` (PostgreSQL) records that database, without its password, in `case-databa"
    "se.json` in the case folder; every later command on the folder (scan, report, review, user, audit ve"
    "rify, hashset from-grades) opens it without `--db`, and a `--db` naming another database is refused "
    "(exit 7). The password comes from where libpq looks: `PGPASSWORD`, or the `~/.pgpass` file (`PGPASSF"
    "ILE`), or a `--db` URL that carries it.\n"
)


def main() -> None:
    """Rewrite the page."""
    rows = "".join(f"| `{s.env_var}` | `{s.default}` | {s.help} |\n" for s in settings.SETTINGS.values())
    target = Path(__file__).resolve().parent.parent / "docs" / "settings.md"
    target.write_text(HEADER + rows + FOOTER, encoding="utf-8")


if __name__ == "__main__":
    main()
