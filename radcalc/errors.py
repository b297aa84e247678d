"""Errors and warnings raised by radcalc.

Every error a caller can provoke with bad input is an :class:`InvalidInputError`,
which subclasses :class:`ValueError`, so ``except ValueError`` keeps working.
Its message names the argument, the rule it broke and the offending value.
"""

from __future__ import annotations

__all__ = [
    "InvalidInputError",
    "RadcalcError",
    "RadcalcWarning",
    "ScheduleParseError",
]


class RadcalcError(Exception):
    """Base class of every error radcalc raises on purpose."""


class InvalidInputError(RadcalcError, ValueError):
    """An argument is impossible for the model: NaN, inf, out of range, wrong shape.

    The message names the argument, the rule and the value, e.g.
    ``"fractions must be > 0, got 0"``.
    """


class ScheduleParseError(InvalidInputError):
    """A schedule string such as ``"65/54 bid"`` could not be understood."""


class RadcalcWarning(UserWarning):
    """Input is valid but outside a model's stated (and cited) range of validity."""
