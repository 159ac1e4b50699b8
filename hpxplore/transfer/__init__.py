"""Transfer: recommendations from similar prior studies, with rationale and projected gains."""

from hpxplore.transfer._monitor import Assessment, TransferMonitor
from hpxplore.transfer._recommend import recommend
from hpxplore.transfer._recommendations import Recommendation, Recommendations
from hpxplore.transfer._state import TransferState

__all__ = [
    "Assessment",
    "Recommendation",
    "Recommendations",
    "TransferMonitor",
    "TransferState",
    "recommend",
]
