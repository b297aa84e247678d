"""radcalc: radiobiology dose calculations for radiotherapy.

The public API at a glance. Doses are in Gy; ``dose`` is always the total dose
of a course; ``alpha_beta`` is keyword-only and has no default.

* LQ (:mod:`radcalc.lq`): ``bed``, ``eqd2``, ``eqdx`` and the inverses
  ``bed_from_eqd2``, ``eqd2_from_bed``, ``dose_for_eqd2``,
  ``fractions_for_eqd2``; keyword options add incomplete repair, overall time
  and LQ-L.
* Incomplete repair (:mod:`radcalc.repair`), overall time
  (:mod:`radcalc.repopulation`) and LQ-L (:mod:`radcalc.lql`).
* Schedules (:mod:`radcalc.schedules`).
* Re-irradiation (:mod:`radcalc.reirradiation`; recovery models in
  :mod:`radcalc.recovery`).
* Constraint sets, plan files and checks (:mod:`radcalc.constraints`,
  :mod:`radcalc.plan`, :mod:`radcalc.check`).
* Errors (:mod:`radcalc.errors`).
"""

from radcalc import recovery
from radcalc.check import CheckReport, CheckRow, check_plan
from radcalc.constraints import (
    ConstraintRule,
    ConstraintSet,
    list_constraint_sets,
    load_constraint_set,
)
from radcalc.errors import (
    ConstraintSetError,
    InvalidInputError,
    PlanFileError,
    RadcalcError,
    RadcalcWarning,
    ScheduleParseError,
)
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
from radcalc.plan import Plan, PlanCourse, PlanOrgan, load_plan, parse_plan
from radcalc.reirradiation import (
    BudgetOption,
    ConstraintLimit,
    Course,
    CourseDose,
    CumulativeDose,
    DoseBudget,
    constraint_limit,
    cumulative_bed,
    cumulative_dose,
    cumulative_eqd2,
    dose_budget,
    max_new_dose,
    remaining_eqd2,
)
from radcalc.repair import repair_factor
from radcalc.repopulation import minimum_overall_days, repopulation_bed, repopulation_rate
from radcalc.schedules import SCHEDULE_PRESETS, Schedule, SchedulePreset, parse_schedule

__all__ = [
    # lq
    "bed",
    "eqd2",
    "eqdx",
    "bed_from_eqd2",
    "eqd2_from_bed",
    "dose_for_eqd2",
    "fractions_for_eqd2",
    # corrections beyond plain LQ
    "repair_factor",
    "repopulation_bed",
    "repopulation_rate",
    "minimum_overall_days",
    "bed_per_fraction_lql",
    "dose_per_fraction_lql",
    # schedules
    "Schedule",
    "SchedulePreset",
    "SCHEDULE_PRESETS",
    "parse_schedule",
    # re-irradiation (radcalc.recovery holds the recovery models)
    "recovery",
    "cumulative_eqd2",
    "cumulative_bed",
    "remaining_eqd2",
    "max_new_dose",
    "Course",
    "cumulative_dose",
    "dose_budget",
    "CumulativeDose",
    "DoseBudget",
    "CourseDose",
    "BudgetOption",
    "constraint_limit",
    "ConstraintLimit",
    # constraints, plans and checks
    "check_plan",
    "CheckReport",
    "CheckRow",
    "list_constraint_sets",
    "load_constraint_set",
    "ConstraintSet",
    "ConstraintRule",
    "load_plan",
    "parse_plan",
    "Plan",
    "PlanCourse",
    "PlanOrgan",
    # errors
    "RadcalcError",
    "InvalidInputError",
    "ScheduleParseError",
    "ConstraintSetError",
    "PlanFileError",
    "RadcalcWarning",
]

__version__ = "0.1.0"
