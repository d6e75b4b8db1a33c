"""The case: one folder holding the case database, its reports and its log."""

DB_URL_HELP = (
    "SQLAlchemy URL of the case database, e.g. postgresql+psycopg://user@host/case1 "
    "(needs warden[postgres]); default: case.db (SQLite) in the case folder. Recorded in the case folder "
    "(without the password), so later commands on the case need no --db; a password then comes from "
    "PGPASSWORD or ~/.pgpass."
)
"""The help of every command's ``--db`` option (here, so a command line loads no database code to show it)."""
