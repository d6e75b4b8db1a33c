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

FOOTER = "\n`WARDEN_OPERATOR` names the person recorded in the audit log (default: the login name).\n"


def main() -> None:
    """Rewrite the page."""
    rows = "".join(f"| `{s.env_var}` | `{s.default}` | {s.help} |\n" for s in settings.SETTINGS.values())
    target = Path(__file__).resolve().parent.parent / "docs" / "settings.md"
    target.write_text(HEADER + rows + FOOTER, encoding="utf-8")


if __name__ == "__main__":
    main()
