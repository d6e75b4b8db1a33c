"""The engine's result: where the case sits, step by step, each line with its reason and its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.sentencing.duration import Disposal
from warden.sentencing.facts import CaseFacts
from warden.sentencing.provenance import Check, Source

ENGINE = "warden.sentencing/1"

NOTICE = (
    "This is not a sentence and not legal advice. The court decides the sentence, applying the guideline "
    "to facts this engine cannot see. What follows shows where the image counts place the case in the "
    "Sentencing Council guideline, one step at a time, with the source of every figure; a figure marked "
    "unverified has not been checked against the guideline or statute itself."
)

CANNOT_KNOW = (
    "whether the counts and the grading of each image are agreed or proved",
    "what the images show beyond their category (the age of the children, distress, who they are), which "
    "several factors turn on",
    "which aggravating and mitigating factors apply, and how much weight the court gives each",
    "the offender's circumstances, the pre-sentence report, and whether the custody threshold is passed",
    "whether the court will suspend a term it may suspend, and whether exceptional circumstances displace a "
    "duty to suspend",
    "totality, where the offender is sentenced for several counts or offences at once",
    "dangerousness (extended sentences), time on remand or on a qualifying curfew, and assistance to the "
    "prosecution",
    "whether notification applies in this case (Schedule 3 conditions) and which orders the court will make",
    "revisions of the guideline or the law made after its data was read (see each source's read date)",
)


@dataclass(frozen=True, slots=True)
class Line:
    """One finding of a step, with the check of the figure it states (None for the engine's own reasoning)."""

    text: str
    check: Check | None = None

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        return {"text": self.text, "check": self.check.to_json() if self.check else None}


@dataclass(slots=True)
class Step:
    """A step of the guideline: a title and its findings in order."""

    id: str
    title: str
    lines: list[Line] = field(default_factory=list)

    def say(self, text: str, check: Check | None = None) -> None:
        """Add a finding."""
        self.lines.append(Line(text, check))

    def to_json(self) -> dict[str, Any]:
        """The report's form."""
        return {"id": self.id, "title": self.title, "lines": [line.to_json() for line in self.lines]}


@dataclass(frozen=True, slots=True)
class VersionUsed:
    """Which version of a rule was applied, the date that chose it, and whether that date was assumed."""

    rule: str
    id: str
    title: str
    effective: str
    governed_by: str
    date: str
    assumed: bool = False

    def to_json(self) -> dict[str, str | bool]:
        """The report's form."""
        return {
            "rule": self.rule,
            "id": self.id,
            "title": self.title,
            "effective": self.effective,
            "governed_by": self.governed_by,
            "date": self.date,
            "assumed": self.assumed,
        }


def _disposal(value: Disposal | None) -> dict[str, Any] | None:
    return value.to_json() if value is not None else None


@dataclass(slots=True)
class Assessment:
    """Where a case sits in the guideline. Built by :func:`warden.sentencing.engine.assess`.

    The headline fields are for programs; ``steps`` carries every finding in words with its check, and is what
    the text and HTML renderers show.
    """

    facts: CaseFacts
    applicable: bool
    reason: str
    offence_name: str
    maximum: Disposal
    category: str | None = None
    starting_point: Disposal | None = None
    range_low: Disposal | None = None
    range_high: Disposal | None = None
    plea_reduction: tuple[str, str] | None = None
    suspension_limit: str | None = None
    presumption_up_to: str | None = None
    tested: dict[str, Any] | None = None
    versions: list[VersionUsed] = field(default_factory=list)
    assumed_law: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    used: list[tuple[str, Check]] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)

    def step(self, id: str, title: str) -> Step:
        """Start a new step."""
        step = Step(id, title)
        self.steps.append(step)
        return step

    def cite(self, name: str, check: Check) -> Check:
        """Record that a figure was used (for the unverified list and the sources); returns ``check``."""
        if all(existing != name for existing, _ in self.used):
            self.used.append((name, check))
        return check

    def unverified(self) -> list[dict[str, str]]:
        """Each figure used that was not verified, with why."""
        return [{"figure": name, "reason": check.reason} for name, check in self.used if not check.verified]

    def cited_sources(self) -> list[Source]:
        """The sources of the figures used, in the order first cited."""
        ids: list[str] = []
        for _, check in self.used:
            ids += [source for source in check.sources if source not in ids]
        return [self.sources[source] for source in ids if source in self.sources]

    def to_json(self) -> dict[str, Any]:
        """The ``sentencing`` object of ``report.json`` for one offence (documented in docs/sentencing.md)."""
        return {
            "engine": ENGINE,
            "notice": NOTICE,
            "applicable": self.applicable,
            "reason": self.reason,
            "inputs": self.facts.to_json(),
            "offence": {"id": self.facts.offence, "name": self.offence_name},
            "versions": [version.to_json() for version in self.versions],
            "assumed_law": list(self.assumed_law),
            "category": self.category,
            "starting_point": _disposal(self.starting_point),
            "range": (
                {"low": _disposal(self.range_low), "high": _disposal(self.range_high)}
                if self.range_low is not None
                else None
            ),
            "maximum": self.maximum.to_json(),
            "plea_reduction": (
                {"most": self.plea_reduction[0], "least": self.plea_reduction[1]}
                if self.plea_reduction
                else None
            ),
            "suspension": {"limit": self.suspension_limit, "presumption_up_to": self.presumption_up_to},
            "tested_sentence": self.tested,
            "steps": [step.to_json() for step in self.steps],
            "cannot_know": list(CANNOT_KNOW),
            "unverified": self.unverified(),
            "sources": [source.to_json() for source in self.cited_sources()],
        }
