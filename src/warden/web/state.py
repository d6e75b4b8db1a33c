"""What every request of one running review app shares: the case, its settings, previews and reveals."""

from __future__ import annotations

from dataclasses import dataclass, field

from warden.case.folder import Case
from warden.web.config import ReviewConfig
from warden.web.leads import LeadCache
from warden.web.previews import Previews
from warden.web.reveals import Reveals
from warden.web.throttle import LoginThrottle
from warden.web.worklists import QueueClusters


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The running app's shared parts (on ``app.state.review``).

    Attributes:
        case: the open case.
        config: the app's settings.
        previews: blurred and clear previews, made from the evidence and held in memory.
        reveals: which item each session revealed, until when.
        throttle: password checks counted per account name and per client (in the case database).
        clusters: the queue's last clustering, reused while it still holds.
        leads: the case's grooming leads, computed again when its conversations change.
    """

    case: Case
    config: ReviewConfig
    previews: Previews
    reveals: Reveals
    throttle: LoginThrottle
    clusters: QueueClusters = field(default_factory=QueueClusters)
    leads: LeadCache = field(default_factory=LeadCache)
