"""Transfer: recommendations from similar prior studies, with rationale and projected gains."""

from hpxplore.transfer._prior_model import PriorModel, Verdict
from hpxplore.transfer._recommend import recommend
from hpxplore.transfer._recommendations import Recommendation, Recommendations
from hpxplore.transfer._state import TransferState

__all__ = [
    "PriorModel",
    "Recommendation",
    "Recommendations",
    "TransferState",
    "Verdict",
    "recommend",
]
