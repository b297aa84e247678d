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
* Dose grids and DICOM RT Dose (:mod:`radcalc.grid`, :mod:`radcalc.dicom`):
  ``DoseGrid``, ``read_rtdose``, ``write_rtdose``, ``read_rtstruct``; voxel
  accumulation over courses (:mod:`radcalc.accumulation`).
* Dose-volume histograms (:mod:`radcalc.dosevolume`): ``DVH``, ``dvh`` and the
  metric syntax (``"D0.03cc"``, ``"D95%"``, ``"V20Gy%"``); DVH text exports of
  Eclipse, RayStation and Monaco: ``read_dvh_export``, ``DVHExport``.
* Everything above except the LQ core is loaded on first use, so ``import
  radcalc`` and ``radcalc eqd2`` never import pydicom, scipy or TOML tables.
* α/β as a range (:mod:`radcalc.uncertainty`): ``AlphaBetaRange``,
  ``alpha_beta_bounds`` and ``radcalc.uncertainty.bounds(func, ...,
  alpha_beta=AlphaBetaRange(2, 4))`` for the low and high bound of any result.
* Cohorts (:mod:`radcalc.cohort`): ``check_cohort`` checks many plan files
  on dask.distributed, one task per plan, into one table.
* Errors (:mod:`radcalc.errors`); ``collect_notes`` gathers radcalc's notes
  (RadcalcWarnings) per thread instead of issuing Python warnings.
"""

from typing import TYPE_CHECKING, Any

from radcalc._notes import collect_notes
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
from radcalc.repair import repair_factor
from radcalc.repopulation import minimum_overall_days, repopulation_bed, repopulation_rate

if TYPE_CHECKING:  # imported on first use at run time (module __getattr__ below)
    from radcalc import recovery
    from radcalc.check import CheckReport, CheckRow, check_plan
    from radcalc.cohort import CohortResult, check_cohort, evaluate_plan
    from radcalc.constraints import (
        ConstraintRule,
        ConstraintSet,
        list_constraint_sets,
        load_constraint_set,
    )
    from radcalc.dicom.rtdose import read_rtdose, write_rtdose
    from radcalc.dicom.rtstruct import read_rtstruct
    from radcalc.dosevolume.exports import DVHExport, read_dvh_export
    from radcalc.dosevolume.histogram import DVH, dvh
    from radcalc.dosevolume.metrics import parse_metric
    from radcalc.grid import DoseGrid
    from radcalc.plan import Plan, PlanCourse, PlanOrgan, load_plan, parse_plan, resolve_doses
    from radcalc.reirradiation import (
        BudgetOption,
        Course,
        CourseDose,
        CumulativeDose,
        DoseBudget,
        cumulative_bed,
        cumulative_dose,
        cumulative_eqd2,
        dose_budget,
        max_new_dose,
        remaining_eqd2,
    )
    from radcalc.schedules import SCHEDULE_PRESETS, Schedule, SchedulePreset, parse_schedule
    from radcalc.structures import Structure, StructureSet
    from radcalc.uncertainty import AlphaBetaRange, Bounds, alpha_beta_bounds

#: Public names loaded on first access, so that ``import radcalc`` (and the
#: ``radcalc eqd2`` command) does not pay for TOML tables, constraint sets and
#: plan files it does not use. name -> module.
_LAZY = {
    "recovery": "radcalc.recovery",
    **dict.fromkeys(("CheckReport", "CheckRow", "check_plan"), "radcalc.check"),
    **dict.fromkeys(("CohortResult", "check_cohort", "evaluate_plan"), "radcalc.cohort"),
    **dict.fromkeys(
        ("ConstraintRule", "ConstraintSet", "list_constraint_sets", "load_constraint_set"),
        "radcalc.constraints",
    ),
    **dict.fromkeys(
        ("Plan", "PlanCourse", "PlanOrgan", "load_plan", "parse_plan", "resolve_doses"),
        "radcalc.plan",
    ),
    **dict.fromkeys(
        (
            "BudgetOption",
            "ConstraintLimit",
            "Course",
            "constraint_limit",
            "CourseDose",
            "CumulativeDose",
            "DoseBudget",
            "cumulative_bed",
            "cumulative_dose",
            "cumulative_eqd2",
            "dose_budget",
            "max_new_dose",
            "remaining_eqd2",
        ),
        "radcalc.reirradiation",
    ),
    **dict.fromkeys(
        ("SCHEDULE_PRESETS", "Schedule", "SchedulePreset", "parse_schedule"), "radcalc.schedules"
    ),
    "DoseGrid": "radcalc.grid",
    "read_rtdose": "radcalc.dicom.rtdose",
    "write_rtdose": "radcalc.dicom.rtdose",
    "read_rtstruct": "radcalc.dicom.rtstruct",
    "DVH": "radcalc.dosevolume.histogram",
    "dvh": "radcalc.dosevolume.histogram",
    "parse_metric": "radcalc.dosevolume.metrics",
    "read_dvh_export": "radcalc.dosevolume.exports",
    "DVHExport": "radcalc.dosevolume.exports",
    "Structure": "radcalc.structures",
    "StructureSet": "radcalc.structures",
    **dict.fromkeys(("AlphaBetaRange", "Bounds", "alpha_beta_bounds"), "radcalc.uncertainty"),
}


def __getattr__(name: str) -> Any:
    """Load a public name of :data:`_LAZY` on first access (PEP 562)."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'radcalc' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(module_name)
    value = module if name == "recovery" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
    "resolve_doses",
    "Plan",
    "PlanCourse",
    "PlanOrgan",
    # cohorts on dask.distributed (radcalc.cohort)
    "check_cohort",
    "evaluate_plan",
    "CohortResult",
    # errors
    "RadcalcError",
    "InvalidInputError",
    "ScheduleParseError",
    "ConstraintSetError",
    "PlanFileError",
    "RadcalcWarning",
    # notes (RadcalcWarnings) collected per thread
    "collect_notes",
    # dose grids, DICOM and dose-volume (loaded on first use, see __getattr__)
    "DoseGrid",
    "read_rtdose",
    "write_rtdose",
    "read_rtstruct",
    "DVH",
    "dvh",
    "parse_metric",
    "read_dvh_export",
    "DVHExport",
    "Structure",
    "StructureSet",
    # α/β ranges (radcalc.uncertainty; bounds() there wraps any function)
    "AlphaBetaRange",
    "Bounds",
    "alpha_beta_bounds",
]

__version__ = "0.1.0"
