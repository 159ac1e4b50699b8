"""Study: the one part of hpxplore that talks to Ax."""

from hpxplore.study._budget import Budget
from hpxplore.study._study import Study

__all__ = ["Budget", "Study"]
