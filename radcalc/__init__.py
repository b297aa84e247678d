"""radcalc: radiobiology dose calculations for radiotherapy.

The public API at a glance. Doses are in Gy; ``dose`` is always the total dose
of a course; ``alpha_beta`` is keyword-only and has no default.

* LQ (:mod:`radcalc.lq`): ``bed``, ``eqd2``, ``eqdx`` and the inverses
  ``bed_from_eqd2``, ``eqd2_from_bed``, ``dose_for_eqd2``,
  ``fractions_for_eqd2``; keyword options add incomplete repair, overall time
  and LQ-L.
* Incomplete repair (:mod:`radcalc.repair`): ``repair_factor``.
* Overall time (:mod:`radcalc.repopulation`): ``repopulation_bed``,
  ``repopulation_rate``, ``minimum_overall_days``.
* LQ-L (:mod:`radcalc.lql`): ``bed_per_fraction_lql``,
  ``dose_per_fraction_lql``.
* Schedules (:mod:`radcalc.schedules`): ``Schedule``, ``SchedulePreset``,
  ``SCHEDULE_PRESETS``, ``parse_schedule``.
* Errors (:mod:`radcalc.errors`): ``RadcalcError``, ``InvalidInputError``,
  ``ScheduleParseError``, ``RadcalcWarning``.
"""

from radcalc.errors import InvalidInputError, RadcalcError, RadcalcWarning, ScheduleParseError
from radcalc.lq import (
    bed,
    bed_from_eqd2,
    dose_for_eqd2,
    eqd2,
    eqd2_from_bed,
    eqdx,
    fractions_for_eqd2,
)
from radcalc.lql import bed_per_fraction_lql, dose_per_fraction_lql
from radcalc.repair import repair_factor
from radcalc.repopulation import minimum_overall_days, repopulation_bed, repopulation_rate
from radcalc.schedules import SCHEDULE_PRESETS, Schedule, SchedulePreset, parse_schedule

__all__ = [
    "SCHEDULE_PRESETS",
    "InvalidInputError",
    "RadcalcError",
    "RadcalcWarning",
    "Schedule",
    "ScheduleParseError",
    "SchedulePreset",
    "bed",
    "bed_from_eqd2",
    "bed_per_fraction_lql",
    "dose_for_eqd2",
    "dose_per_fraction_lql",
    "eqd2",
    "eqd2_from_bed",
    "eqdx",
    "fractions_for_eqd2",
    "minimum_overall_days",
    "parse_schedule",
    "repair_factor",
    "repopulation_bed",
    "repopulation_rate",
]

__version__ = "0.1.0"
