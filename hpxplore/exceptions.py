"""Errors raised by hpxplore.

Every error carries a ``message`` (what is wrong, naming the field and the value) and a
``hint`` (the call or change that fixes it). ``str(error)`` shows both.
"""

from __future__ import annotations

__all__ = [
    "DuplicateStudyError",
    "ExportFormatError",
    "ExportTargetExistsError",
    "HpxploreError",
    "HpxploreWarning",
    "InputError",
    "NoRegistryError",
    "NotARegistryError",
    "RegistryConnectionError",
    "RegistryDamagedError",
    "RegistryError",
    "RegistryReadOnlyError",
    "SchemaVersionError",
    "StudyNotFoundError",
    "count_parameter",
]


class HpxploreError(Exception):
    """Base class of hpxplore's errors: a message and a hint that says how to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message}\nHint: {hint}" if hint else message)


def count_parameter(value: object, name: str, owner: str, example: int) -> int:
    """``value`` when it is an int >= 1 (a count: trials, neighbours, workers), else an
    ``InputError`` naming the parameter, its owner and an example."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(
            f"The {name!r} parameter of {owner} must be an int in [1, inf). Got {value!r} instead.",
            f"Pass a whole number of at least 1, e.g. {name}={example}.",
        )
    return value


class HpxploreWarning(UserWarning):
    """Something the user should know that does not stop the call (e.g. nothing feasible yet)."""


class InputError(HpxploreError, ValueError):
    """User input (a frame, a space, a config, a parameter) is malformed."""


class ExportFormatError(InputError):
    """An export's file name does not say JSON or YAML (each surface hints its own fix)."""


class ExportTargetExistsError(HpxploreError):
    """An export would overwrite a file (each surface hints its own way to allow it)."""


class RegistryError(HpxploreError):
    """The registry cannot do what was asked."""


class StudyNotFoundError(RegistryError, KeyError):
    """No study of that name is in the registry."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return Exception.__str__(self)


class DuplicateStudyError(RegistryError):
    """A study of that name is already stored."""


class NoRegistryError(RegistryError):
    """No registry exists where one was to be read (and creating one was not asked for)."""


class NotARegistryError(RegistryError):
    """The file or database exists but is not an hpxplore registry."""


class RegistryConnectionError(RegistryError):
    """The registry's database cannot be reached."""


class RegistryDamagedError(RegistryError):
    """The registry's file or rows are damaged: unreadable pages, rows or missing tables."""


class RegistryReadOnlyError(RegistryError):
    """The registry cannot be written where it is (a read-only file system or folder)."""


class SchemaVersionError(RegistryError):
    """The registry was written by a newer hpxplore than this one."""
