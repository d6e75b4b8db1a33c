"""robots.txt as the crawl honours it (the standard library's parser), from a fetch of it: what the answer
means follows ``urllib.robotparser.RobotFileParser.read``: 401 or 403 forbids the whole site, any other
failure or missing file allows it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.robotparser import RobotFileParser

AGENT = "warden"
"""The product token robots.txt rules are matched against (``User-agent: warden``)."""


@dataclass(frozen=True, slots=True)
class Robots:
    """One origin's rules.

    Attributes:
        parser: the parsed file, or None when the answer allows or forbids everything.
        allow_all: what holds without a parser.
        note: how the rules were found, for the crawl's record.
    """

    parser: RobotFileParser | None
    allow_all: bool
    note: str

    def allows(self, url: str) -> bool:
        """Whether the crawl may fetch ``url``."""
        if self.parser is None:
            return self.allow_all
        return self.parser.can_fetch(AGENT, url)

    def delay(self) -> float | None:
        """The file's ``Crawl-delay`` for Warden, if it gives one."""
        if self.parser is None:
            return None
        value = self.parser.crawl_delay(AGENT)
        return float(value) if value is not None else None


def from_answer(status: int | None, text: bytes | None) -> Robots:
    """The rules a robots.txt answer (its status, or None when it could not be fetched, and its decoded
    body) gives."""
    if status is None:
        return Robots(None, True, "robots.txt could not be fetched: everything allowed")
    if status in (401, 403):
        return Robots(None, False, f"robots.txt answered {status}: everything forbidden")
    if status >= 400 or text is None:
        return Robots(None, True, f"robots.txt answered {status}: everything allowed")
    parser = RobotFileParser()
    parser.parse(text.decode("utf-8", "replace").splitlines())
    return Robots(parser, True, "robots.txt read")
