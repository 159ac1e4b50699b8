"""Transfer: recommendations from similar prior studies, with rationale and projected gains."""

from hpxplore.transfer._monitor import Assessment, TransferMonitor
from hpxplore.transfer._recommend import recommend
from hpxplore.transfer._recommendations import Recommendation, Recommendations

__all__ = ["Assessment", "Recommendation", "Recommendations", "TransferMonitor", "recommend"]
