"""What the readers of an app's SQLite database share: recognised by its tables, read through a spool copy."""

from __future__ import annotations

from warden.conversations.collect import Collector
from warden.conversations.model import Conversations
from warden.conversations.readers import Limits, Source, SourceError
from warden.conversations.sqlite_copy import Database, table_columns

Tables = dict[str, set[str]]
"""Each table's column names, lower case."""


class DatabaseReader:
    """A reader of one app's database. Subclasses set ``name`` and ``needs`` (the tables they read, named in
    the error when they are missing) and implement :meth:`known` and :meth:`read_tables`."""

    name = "database"
    needs = ""

    def known(self, tables: Tables) -> bool:
        """Whether a database with these tables is this app's."""
        raise NotImplementedError

    def read_tables(self, database: Database, tables: Tables, source: Source, found: Collector) -> None:
        """Read every conversation and message of a database :meth:`known` took into ``found``."""
        raise NotImplementedError

    def recognises(self, source: Source) -> bool:
        """A SQLite database with this app's tables."""
        return self.known(table_columns(source))

    def read(self, source: Source, limits: Limits) -> Conversations:
        """Every chat and message.

        Raises:
            SourceError: not a SQLite database, locked, or without this app's tables.
        """
        found = Collector(self.name, source.label, limits)
        with Database(source, limits) as database:
            tables = {table: database.columns(table) for table in database.tables()}
            if not self.known(tables):
                raise SourceError(f"no {self.needs}")
            self.read_tables(database, tables, source, found)
            found.result.problems.extend(database.problems)
        return found.result
