"""Task profiling: meta-features, landmarkers and a data fingerprint."""

from hpxplore.profiling._catalog import META_FEATURES, MetaFeature
from hpxplore.profiling._profile import TaskProfile
from hpxplore.profiling._profile_task import data_fingerprint, profile_task

__all__ = ["META_FEATURES", "MetaFeature", "TaskProfile", "data_fingerprint", "profile_task"]
