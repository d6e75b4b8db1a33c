"""The matching part of one worker process: the service's banks and the live index it looks them up in,
made once for every router that needs them, loaded when the worker starts and closed when it stops.
``/status`` answers 503 while the index is loading or stale."""

from __future__ import annotations

from dataclasses import dataclass

from warden import settings
from warden.serve import bank_jobs
from warden.serve.banks import Banks
from warden.serve.live_index import IndexState, LiveIndex
from warden.serve.state import ServeState

PART = "matching"
"""Its name in :attr:`ServeState.parts` and in ``/status`` reasons."""


@dataclass(frozen=True, slots=True)
class Matching:
    """The banks (curating) and the live index (lookups) of this worker."""

    banks: Banks
    index: LiveIndex


def matching(state: ServeState) -> Matching:
    """This worker's banks and live index: made by the first router factory that asks, the same for every
    later one; the index loads in the background from the worker's start and stops with it."""
    made = state.parts.get(PART)
    if isinstance(made, Matching):
        return made
    banks = Banks.from_settings(state.engine)
    index = LiveIndex(
        banks,
        poll_seconds=max(1, settings.get_int(settings.SERVE_POLL_SECONDS)),
        stale_seconds=max(1, settings.get_int(settings.SERVE_STALE_SECONDS)),
        merge_entries=max(0, settings.get_int(settings.SERVE_MERGE_ENTRIES)),
        merge=lambda bank: bank_jobs.merge(banks, state.config.db_url, bank),
    )
    part = Matching(banks, index)
    state.parts[PART] = part

    def why_not_ready() -> str | None:
        if index.state is IndexState.LOADING:
            return "the index is loading" + (f" ({index.last_error})" if index.last_error else "")
        if index.state is IndexState.STALE:
            return f"the index is stale: the banks could not be polled ({index.last_error or 'no answer'})"
        return None

    state.readiness.watch(PART, why_not_ready)

    def start() -> None:
        index.start()

    state.on_startup.append(start)
    state.on_shutdown.append(index.close)
    return part
