"""The counts a prosecutor needs: per category, stills and moving images, files and distinct images."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from warden.model.categories import INDECENT, Category
from warden.model.records import ItemRecord, Media
from warden.model.states import State


@dataclass(slots=True)
class CategoryCounts:
    """Files and distinct images (by SHA-1) of one category, stills and moving images apart."""

    stills_files: int = 0
    stills_unique: int = 0
    movies_files: int = 0
    movies_unique: int = 0

    def to_json(self) -> dict[str, int]:
        """The contract's form."""
        return {
            "stills_files": self.stills_files,
            "stills_unique": self.stills_unique,
            "movies_files": self.movies_files,
            "movies_unique": self.movies_unique,
        }


@dataclass(slots=True)
class Summary:
    """The case's totals, as ``report.json`` carries them under ``summary``."""

    files_total: int = 0
    media_total: int = 0
    errors: int = 0
    zero_byte_files: int = 0
    not_examined: int = 0
    known_good: int = 0
    unmatched_media: int = 0
    low_quality_pdq: int = 0
    by_category: dict[str, CategoryCounts] = field(default_factory=dict)
    by_state: dict[str, dict[str, CategoryCounts]] = field(default_factory=dict)
    by_established: dict[str, dict[str, CategoryCounts]] = field(default_factory=dict)
    matches_by_kind: dict[str, int] = field(default_factory=dict)
    graded: int = 0
    disputed: int = 0

    def to_json(self) -> dict[str, object]:
        """The contract's form."""
        return {
            "files_total": self.files_total,
            "media_total": self.media_total,
            "errors": self.errors,
            "zero_byte_files": self.zero_byte_files,
            "not_examined": self.not_examined,
            "known_good": self.known_good,
            "unmatched_media": self.unmatched_media,
            "low_quality_pdq": self.low_quality_pdq,
            "by_category": {name: counts.to_json() for name, counts in self.by_category.items()},
            "by_state": {
                state: {name: counts.to_json() for name, counts in categories.items()}
                for state, categories in self.by_state.items()
            },
            "by_established": {
                how: {name: counts.to_json() for name, counts in categories.items()}
                for how, categories in sorted(self.by_established.items())
            },
            "matches_by_kind": dict(sorted(self.matches_by_kind.items())),
            "graded": self.graded,
            "disputed": self.disputed,
        }


def _empty() -> dict[str, CategoryCounts]:
    return {category.value: CategoryCounts() for category in INDECENT}


def _count(counts: CategoryCounts, media: Media, first: bool) -> None:
    if media is Media.STILL:
        counts.stills_files += 1
        counts.stills_unique += int(first)
    else:
        counts.movies_files += 1
        counts.movies_unique += int(first)


def summarize(items: Iterable[ItemRecord]) -> Summary:
    """Count items as the indictment counts them.

    A video is one moving image. Files count every copy; ``*_unique`` counts distinct SHA-1 within the
    category (an item without a SHA-1, which cannot happen for a readable file, counts as its own image).
    ``by_category`` counts full images wherever found (live, deleted, carved); a thumbnail's match is only
    counted under ``by_state["thumbnail"]``, apart from full images. ``by_state`` splits the same counts by
    where each item was found (every :class:`~warden.model.states.State`). Errors, items not examined (with
    the reason), files of zero bytes and PDQ hashes too plain to match (``low_quality_pdq``) are counted
    apart: the last three are facts about the evidence, not errors.
    """
    summary = Summary(by_category=_empty(), by_state={state.value: _empty() for state in State})
    unique: dict[tuple[str, Media], set[str]] = {}
    unique_by_state: dict[tuple[State, str, Media], set[str]] = {}
    unique_by_established: dict[tuple[str, str, Media], set[str]] = {}
    for item in items:
        summary.files_total += 1
        if item.errors:
            summary.errors += 1
        if item.not_examined:
            summary.not_examined += 1
        if item.size == 0 and item.md5 is not None:
            summary.zero_byte_files += 1
        is_media = item.media is not Media.OTHER
        if is_media:
            summary.media_total += 1
        if item.low_quality_pdq:
            summary.low_quality_pdq += 1
        if item.grade is not None:
            summary.graded += 1
            summary.disputed += int(item.grade.status == "disputed")
        category = item.category
        best = item.best_match
        if best is not None:
            summary.matches_by_kind[str(best.kind)] = summary.matches_by_kind.get(str(best.kind), 0) + 1
        if category is None:
            if is_media:
                summary.unmatched_media += 1
            continue
        if category is Category.KNOWN_GOOD:
            summary.known_good += 1
            continue
        if not category.is_indecent:
            continue
        # A file whose bytes Warden could not identify as media but whose digest is listed is that image:
        # it is counted, as a still, rather than dropped from the count.
        media = item.media if is_media else Media.STILL
        key = item.sha1 or f"{item.evidence}/{item.path}"
        state = item.state
        seen_in_state = unique_by_state.setdefault((state, category.value, media), set())
        _count(summary.by_state[state.value][category.value], media, key not in seen_in_state)
        seen_in_state.add(key)
        if state is State.THUMBNAIL:
            continue
        how = item.established_by or "unknown"
        seen_how = unique_by_established.setdefault((how, category.value, media), set())
        _count(summary.by_established.setdefault(how, _empty())[category.value], media, key not in seen_how)
        seen_how.add(key)
        seen = unique.setdefault((category.value, media), set())
        _count(summary.by_category[category.value], media, key not in seen)
        seen.add(key)
    return summary
