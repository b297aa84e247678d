"""Re-irradiation of a recurrent nasopharyngeal carcinoma: what budget is left?

A patient had 70 Gy in 35 fractions to the nasopharynx; the recurrence is to
be treated 24 months after that course ended. The planner compares
re-irradiation schedules by the largest dose the spinal cord and the brainstem
may still receive, without recovery (the conservative default) and with the
stepwise cord-recovery rule.

Run:  PYTHONPATH=<repo root> python examples/reirradiation_budget.py
Writes reirradiation_budget.json into $RADCALC_EXAMPLE_OUTPUT (default:
examples/output/).

Every limit below is either cited (source and evidence status as in
docs/evidence.md) or labelled as an illustrative, user-supplied value. The
patient's organ doses are invented for the example.
"""

from __future__ import annotations

import json
import os
import pathlib
from dataclasses import dataclass

import radcalc
from radcalc import SCHEDULE_PRESETS, Course, DoseBudget, bed_from_eqd2, dose_budget

OUTPUT = pathlib.Path(
    os.environ.get("RADCALC_EXAMPLE_OUTPUT", pathlib.Path(__file__).parent / "output")
)

# --- The patient (illustrative) ---------------------------------------------------------
PRIOR = "70/35"  # first course: 70 Gy in 35 fractions
INTERVAL = "24m"  # end of the first course -> start of re-irradiation
PRIOR_ORGAN_DOSE = {"spinal cord": 45.0, "brainstem": 54.0}  # Dmax in the first course [Gy]

# --- The re-irradiation options: schedules named in Li et al. 2024 ----------------------
OPTIONS = ["hyperfractionated-65-54-bid", "standard-60-27", "conventional-60-30", "sbrt-30-5"]


@dataclass(frozen=True)
class Limit:
    """A cumulative limit with its source, and the source's own per-course condition."""

    label: str
    limit_eqd2: float | None = None
    limit_bed: float | None = None
    course_condition: str = ""
    course_bed_max: float | None = None  # per-course cap of the same source, in BED [Gy]
    course_options: tuple[str, ...] = tuple(OPTIONS)  # the options the cap applies to


@dataclass(frozen=True)
class Organ:
    name: str
    alpha_beta: float
    limits: tuple[Limit, ...]
    recoveries: tuple[str, ...]


# alpha/beta 2 Gy: the spinal-cord value of the re-irradiation papers (docs/evidence.md);
# applied to the brainstem too, as this user's choice.
ORGANS = (
    Organ(
        "spinal cord",
        alpha_beta=2.0,
        limits=(
            Limit(
                "cumulative Dmax <= 70 Gy EQD2 (alpha/beta 2): HyTEC spinal cord, Int J Radiat "
                "Oncol Biol Phys 2021;110:124; Sahgal A et al. Int J Radiat Oncol Biol Phys "
                "2012;82:107-116 (evidence status: abstract). Stated for SBRT re-irradiation "
                "of the spine >= 5 months after conventional radiotherapy",
                limit_eqd2=70.0,
                course_condition="an SBRT course <= 25 Gy EQD2; its <= 50 % share of the "
                "cumulative is not checked here",
                course_bed_max=bed_from_eqd2(25.0, alpha_beta=2.0),
                course_options=("sbrt-30-5",),
            ),
            Limit(
                "cumulative BED <= 135.5 Gy (alpha/beta 2): Nieder C et al. Int J Radiat Oncol "
                "Biol Phys 2006;66:1446-1449 (evidence status: abstract). Risk 'appears small' "
                "with intervals >= 6 months",
                limit_bed=135.5,
                course_condition="each course <= 98 Gy BED",
                course_bed_max=98.0,
            ),
        ),
        # The cord rule stated in Doi 2021 (quoting earlier work), shipped as a preset.
        recoveries=("none", "step-cord-2021"),
    ),
    Organ(
        "brainstem",
        alpha_beta=2.0,
        limits=(
            Limit(
                "ILLUSTRATIVE USER-SUPPLIED VALUE: cumulative Dmax <= 64 Gy EQD2, not a "
                "clinical recommendation (radcalc ships no brainstem re-irradiation limit)",
                limit_eqd2=64.0,
            ),
        ),
        # No published brainstem recovery rule: the conservative default only.
        recoveries=("none",),
    ),
)


def course_condition_note(limit: Limit, budget: DoseBudget) -> str:
    """Check the source's per-course condition.

    At its maximum every option's new course has the same EQD2 (the remaining
    EQD2), so one comparison covers all the options the condition applies to.
    """
    if limit.course_bed_max is None or budget.limit_reached:
        return ""
    new_bed = bed_from_eqd2(budget.remaining_eqd2, alpha_beta=budget.alpha_beta)
    verdict = "ABOVE" if new_bed > limit.course_bed_max else "within"
    return (
        f"At its maximum the new course alone has BED {new_bed:.1f} Gy: {verdict} the "
        f"per-course condition of this source ({limit.course_condition}; "
        f"{limit.course_bed_max:.1f} Gy BED) for {', '.join(limit.course_options)}."
    )


def main() -> None:
    schedules = {name: SCHEDULE_PRESETS[name].schedule for name in OPTIONS}
    fractions = sorted({s.fractions for s in schedules.values()})
    width = max(len(s.describe()) for s in schedules.values())
    report: list[dict[str, object]] = []
    print(f"Prior course {PRIOR}; re-irradiation starts {INTERVAL} after it ended.\n")
    for organ in ORGANS:
        prior = [Course(PRIOR, organ_dose=PRIOR_ORGAN_DOSE[organ.name], interval_months=INTERVAL)]
        for limit in organ.limits:
            for recovery in organ.recoveries:
                budget = dose_budget(
                    prior,
                    fractions=fractions,
                    alpha_beta=organ.alpha_beta,
                    limit_eqd2=limit.limit_eqd2,
                    limit_bed=limit.limit_bed,
                    recovery=recovery,
                )
                max_dose = {o.fractions: o.max_dose for o in budget.options}
                share = {name: max_dose[s.fractions] / s.dose for name, s in schedules.items()}
                print(f"== {organ.name}: {limit.label}")
                print(budget)
                print("Largest share of each prescription the organ may receive:")
                for name, schedule in schedules.items():
                    print(f"  {schedule.describe():{width}s}  {100 * share[name]:5.1f} %")
                note = course_condition_note(limit, budget)
                if note:
                    print(note)
                print()
                report.append(
                    {
                        "organ": organ.name,
                        "limit": limit.label,
                        "course_condition": note,
                        "prescription_share": share,
                        **budget.to_dict(),
                    }
                )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / "reirradiation_budget.json"
    path.write_text(json.dumps({"radcalc": radcalc.__version__, "budgets": report}, indent=2))
    print(f"Wrote {path}")


if __name__ == "__main__":
    main()
