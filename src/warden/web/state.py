"""What every request of one running review app shares: the case, its settings, previews and reveals."""

from __future__ import annotations

from dataclasses import dataclass

from warden.case.folder import Case
from warden.web.config import ReviewConfig
from warden.web.previews import Previews
from warden.web.reveals import Reveals
from warden.web.throttle import LoginThrottle


@dataclass(frozen=True, slots=True)
class ReviewState:
    """The running app's shared parts (on ``app.state.review``).

    Attributes:
        case: the open case.
        config: the app's settings.
        previews: blurred and clear previews, made from the evidence and held in memory.
        reveals: which item each session revealed, until when.
        throttle: failed logins per account.
    """

    case: Case
    config: ReviewConfig
    previews: Previews
    reveals: Reveals
    throttle: LoginThrottle
