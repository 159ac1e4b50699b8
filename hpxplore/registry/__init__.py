"""The registry of prior studies: SQLAlchemy models, the Registry, importers."""

from hpxplore.registry._engine import ENV_VAR, default_location
from hpxplore.registry._records import StudyRecord
from hpxplore.registry._registry import Registry
from hpxplore.registry._schema import SCHEMA_VERSION

__all__ = [
    "ENV_VAR",
    "SCHEMA_VERSION",
    "Registry",
    "StudyRecord",
    "default_location",
]
