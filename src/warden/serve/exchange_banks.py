"""What a fetch from a hash exchange brought, published to the matching service's bank of the same name.

:func:`~warden.serve.exchanges.fetch_bank` keeps the exchange's copy (a hash set in the store, with its
checkpoint); :func:`publish` then makes the service's bank hold exactly those entries, through the bank's
change log as any curator's change goes: content that is gone is removed, new or changed content added, so
every running ``warden serve`` worker matches the update within a poll, without a restart. A large change
(a first fetch, say) is folded straight into a new base by a merge instead of through the log. Content ids
are the entries' ``source_id`` (``ncmec:<esp>-<id>``...), numbered ``#1``, ``#2`` when one record gave
several entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from warden.errors import HashSetNotFoundError
from warden.hashsets.model import Entry
from warden.serve.banks import Banks, entry_values

MERGE_OVER = 1000
"""More added or changed entries than this go in by a merge rather than through the change log."""


@dataclass(frozen=True, slots=True)
class Published:
    """What :func:`publish` changed in the service's bank.

    Attributes:
        bank: its name.
        created: the bank was made by this publication.
        added: content added or changed.
        removed: content removed.
        content: content the bank holds now.
    """

    bank: str
    created: bool
    added: int
    removed: int
    content: int


def content_ids(entries: Sequence[Entry]) -> dict[str, Entry]:
    """The entries by the content id each gets in the bank."""
    counts = Counter(str(entry.source_id) for entry in entries)
    numbered: Counter[str] = Counter()
    found: dict[str, Entry] = {}
    for entry in entries:
        source = str(entry.source_id)
        if counts[source] > 1:
            numbered[source] += 1
            source = f"{source}#{numbered[source]}"
        found[source] = replace(entry, source_id=source)
    return found


def publish(banks: Banks, bank: str, entries: Sequence[Entry]) -> Published:
    """Make the service's bank ``bank`` (created if new) hold exactly ``entries``.

    Raises:
        UsageError: ``bank`` is not a valid bank name, or another process is merging it.
    """
    try:
        banks.get(bank)
        created = False
    except HashSetNotFoundError:
        banks.create(bank)
        created = True
    wanted = content_ids(entries)
    _total, current = banks.content(bank, offset=0, limit=2**62)
    have = {content.content_id: (content.category, content.hashes) for content in current}
    removed = [content_id for content_id in have if content_id not in wanted]
    changed = [
        entry
        for content_id, entry in wanted.items()
        if have.get(content_id) != (entry.category, entry_values(entry))
    ]
    if removed:
        banks.remove(bank, removed)
    if len(changed) > MERGE_OVER:
        banks.merge(bank, extra=changed, wait=True)
    elif changed:
        banks.add_entries(bank, changed)
    return Published(bank, created, len(changed), len(removed), len(wanted))
