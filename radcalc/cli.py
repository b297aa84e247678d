"""The ``radcalc`` command line: thin click commands over the library, no arithmetic.

Exit status: 0 success; 1 invalid input (one line on stderr, no traceback);
2 usage error (click's own); 3 ``radcalc check`` found a rule that FAILs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from radcalc import lq
from radcalc.check import check_plan
from radcalc.constraints import list_constraint_sets, load_constraint_set
from radcalc.errors import RadcalcError
from radcalc.recovery import parse_interval
from radcalc.reirradiation import Course, CumulativeDose, DoseBudget, cumulative_dose, dose_budget
from radcalc.schedules import Schedule, parse_schedule

F = TypeVar("F", bound=Callable[..., Any])


class _RadcalcGroup(click.Group):
    """A click group that turns radcalc errors into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RadcalcError as exc:
            raise click.ClickException(str(exc)) from None  # exit status 1


@click.group(cls=_RadcalcGroup)
@click.version_option(package_name="radcalc")
def main() -> None:
    """Radiobiology dose calculations (linear-quadratic model).

    Doses are in Gy. --dose is always the TOTAL dose of the course, never the
    dose per fraction. Every command needs the tissue alpha/beta (--ab); there
    is no default.
    """


def _alpha_beta_option(func: F) -> F:
    return click.option(
        "--ab",
        "alpha_betas",
        type=float,
        multiple=True,
        required=True,
        help="Tissue alpha/beta [Gy]; repeat for one row each (--ab 3 --ab 10).",
    )(func)


def _json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print a JSON list, one object per alpha/beta."
    )(func)


def _schedule_options(func: F) -> F:
    func = click.option(
        "--schedule",
        "schedule_text",
        metavar="TEXT",
        help="Schedule instead of --dose/--fx, e.g. '65/54 bid' or '30Gy/5fx' (total/fractions).",
    )(func)
    func = click.option("--fx", "fractions", type=int, help="Number of fractions.")(func)
    func = click.option(
        "--dose", type=float, help="TOTAL physical dose of the course [Gy] (not per fraction)."
    )(func)
    return func


def _schedule_from(dose: float | None, fractions: int | None, text: str | None) -> Schedule:
    if text is not None:
        if dose is not None or fractions is not None:
            raise click.UsageError("give either --schedule or --dose with --fx, not both")
        return parse_schedule(text)
    if dose is None or fractions is None:
        raise click.UsageError("give --dose and --fx (or --schedule)")
    return Schedule(dose, fractions)


def _row(schedule: Schedule, alpha_beta: float) -> dict[str, Any]:
    return {
        "dose": schedule.dose,
        "fractions": schedule.fractions,
        "dose_per_fraction": schedule.dose_per_fraction,
        "fractions_per_day": schedule.fractions_per_day,
        "alpha_beta": alpha_beta,
        "bed": schedule.bed(alpha_beta),
        "eqd2": schedule.eqd2(alpha_beta),
    }


def _emit(rows: list[dict[str, Any]], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2))
    else:
        for line in lines:
            click.echo(line)


def _forward(
    primary: str,
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
) -> None:
    schedule = _schedule_from(dose, fractions, schedule_text)
    rows = [_row(schedule, ab) for ab in alpha_betas]
    order = ("eqd2", "bed") if primary == "eqd2" else ("bed", "eqd2")
    lines = [
        f"{schedule.describe()}, alpha/beta {row['alpha_beta']:g} Gy: "
        + ", ".join(f"{key.upper()} {row[key]:.2f} Gy" for key in order)
        for row in rows
    ]
    _emit(rows, as_json, lines)


@main.command()
@_schedule_options
@_alpha_beta_option
@_json_option
def eqd2(
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
) -> None:
    """EQD2 (and BED) of a schedule, one row per alpha/beta.

    Example: radcalc eqd2 --dose 65 --fx 54 --ab 10
    """
    _forward("eqd2", dose, fractions, schedule_text, alpha_betas, as_json)


@main.command()
@_schedule_options
@_alpha_beta_option
@_json_option
def bed(
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
) -> None:
    """BED (and EQD2) of a schedule, one row per alpha/beta.

    Example: radcalc bed --schedule "30/5" --ab 3 --ab 10
    """
    _forward("bed", dose, fractions, schedule_text, alpha_betas, as_json)


@main.command()
@click.option("--eqd2", "target", type=float, required=True, help="Target EQD2 [Gy].")
@click.option("--fx", "fractions", type=int, help="Number of fractions: solve for the total dose.")
@click.option(
    "--dose-per-fraction",
    type=float,
    help="Dose per fraction [Gy]: solve for the number of fractions.",
)
@_alpha_beta_option
@_json_option
def solve(
    target: float,
    fractions: int | None,
    dose_per_fraction: float | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
) -> None:
    """Inverse problems: the dose (given --fx) or the fractions (given
    --dose-per-fraction) that reach a target EQD2.

    The number of fractions is real-valued; the text output also shows the
    EQD2 of the whole numbers just below and above it (round up to reach at
    least the target, down to stay at or below it).

    Example: radcalc solve --eqd2 60 --fx 30 --ab 10
    """
    if fractions is not None and dose_per_fraction is None:
        results = [_solve_dose(target, fractions, ab) for ab in alpha_betas]
    elif dose_per_fraction is not None and fractions is None:
        results = [_solve_fractions(target, dose_per_fraction, ab) for ab in alpha_betas]
    else:
        raise click.UsageError("give exactly one of --fx and --dose-per-fraction")
    _emit([row for row, _ in results], as_json, [line for _, line in results])


def _solve_dose(target: float, fractions: int, alpha_beta: float) -> tuple[dict[str, Any], str]:
    total = lq.dose_for_eqd2(target, fractions, alpha_beta=alpha_beta)
    row = {
        "dose": total,
        "fractions": fractions,
        "dose_per_fraction": total / fractions,
        "alpha_beta": alpha_beta,
        "bed": lq.bed(total, fractions, alpha_beta=alpha_beta),
        "eqd2": target,
    }
    line = (
        f"EQD2 {target:g} Gy in {fractions} fx at alpha/beta {alpha_beta:g} Gy: "
        f"total dose {total:.2f} Gy ({total / fractions:.4g} Gy/fx), BED {row['bed']:.2f} Gy"
    )
    return row, line


def _solve_fractions(
    target: float, dose_per_fraction: float, alpha_beta: float
) -> tuple[dict[str, Any], str]:
    n = lq.fractions_for_eqd2(target, dose_per_fraction, alpha_beta=alpha_beta)
    row: dict[str, Any] = {
        "dose": n * dose_per_fraction,
        "fractions": n,
        "dose_per_fraction": dose_per_fraction,
        "alpha_beta": alpha_beta,
        "bed": lq.bed_from_eqd2(target, alpha_beta=alpha_beta),
        "eqd2": target,
    }
    rounding = []
    for label, whole in (("down", math.floor(n)), ("up", math.ceil(n))):
        value = (
            lq.eqd2(whole * dose_per_fraction, whole, alpha_beta=alpha_beta) if whole >= 1 else None
        )
        row[f"fractions_rounded_{label}"] = whole if whole >= 1 else None
        row[f"eqd2_rounded_{label}"] = value
        if value is not None:
            rounding.append(f"{whole} fx -> EQD2 {value:.2f} Gy")
    line = (
        f"EQD2 {target:g} Gy at {dose_per_fraction:g} Gy/fx, alpha/beta {alpha_beta:g} Gy: "
        f"{n:.2f} fractions ({'; '.join(rounding)})"
    )
    return row, line


# --------------------------------------------------------------------------- re-irradiation

_RECOVERY_HELP = (
    "Recovery between courses: none (default, no recovery), step-cord-2021 (spinal cord: "
    "0 under 6 months, 25 % from 6, 50 % from 12; Doi 2021), constant:<f>, "
    "linear:<onset>,<plateau>,<max>, exponential:<onset>,<half-time>,<max> (months), "
    "or a TOML file of your own (pick its table with --organ)."
)


def _history_options(func: F) -> F:
    options = [
        click.option(
            "--prior",
            "priors",
            metavar="SCHEDULE",
            multiple=True,
            required=True,
            help="An earlier course, oldest first, e.g. '70/35' (TOTAL dose/fractions); "
            "repeat for several courses.",
        ),
        click.option(
            "--interval",
            "intervals",
            metavar="TIME",
            multiple=True,
            required=True,
            help="One per --prior: time from the end of that course to the start of the next "
            "one, e.g. 24m, 540d, 1.5y (a bare number is months; 1 month = 30.4375 days).",
        ),
        click.option(
            "--prior-organ-dose",
            "prior_organ_doses",
            type=float,
            multiple=True,
            help="The organ's TOTAL dose in each --prior course when it differs from the "
            "prescription [Gy]; give none or one per --prior.",
        ),
        click.option(
            "--ab",
            "alpha_beta",
            type=float,
            required=True,
            help="The organ's alpha/beta [Gy]; one value, no default.",
        ),
        click.option("--recovery", default="none", show_default=True, help=_RECOVERY_HELP),
        click.option("--organ", help="The table to use when --recovery is a TOML file."),
        click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _prior_courses(
    priors: tuple[str, ...], intervals: tuple[str, ...], organ_doses: tuple[float, ...]
) -> list[Course]:
    if len(intervals) != len(priors):
        raise click.UsageError(
            f"give one --interval per --prior (the time after that course), got {len(priors)} "
            f"--prior and {len(intervals)} --interval"
        )
    if organ_doses and len(organ_doses) != len(priors):
        raise click.UsageError(
            f"give no --prior-organ-dose or one per --prior, got {len(priors)} --prior and "
            f"{len(organ_doses)} --prior-organ-dose"
        )
    doses: list[float | None] = list(organ_doses) if organ_doses else [None] * len(priors)
    return [
        Course(parse_schedule(prior), organ_dose=dose, interval_months=parse_interval(interval))
        for prior, interval, dose in zip(priors, intervals, doses, strict=True)
    ]


def _print_result(result: CumulativeDose | DoseBudget, as_json: bool) -> None:
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else str(result))


@main.command()
@_history_options
@click.option(
    "--new", "new", metavar="SCHEDULE", required=True, help="The newest course, e.g. '65/54 bid'."
)
@click.option(
    "--new-organ-dose",
    type=float,
    help="The organ's TOTAL dose in the newest course if not its prescription [Gy].",
)
def reirr(
    priors: tuple[str, ...],
    intervals: tuple[str, ...],
    prior_organ_doses: tuple[float, ...],
    alpha_beta: float,
    recovery: str,
    organ: str | None,
    as_json: bool,
    new: str,
    new_organ_dose: float | None,
) -> None:
    """Cumulative EQD2 and BED of an organ over earlier courses and a new one.

    Each earlier course counts as (1 - r) x its EQD2, r being the fraction
    recovered over the time from its end to the start of the newest course
    (the sum of the intervals after it). Intervals under 6 months are flagged.

    Example: radcalc reirr --prior 70/35 --interval 24m --new "65/54 bid" --ab 3
    --recovery step-cord-2021
    """
    courses = _prior_courses(priors, intervals, prior_organ_doses)
    courses.append(Course(parse_schedule(new), organ_dose=new_organ_dose))
    result = cumulative_dose(courses, alpha_beta=alpha_beta, recovery=recovery, organ=organ)
    _print_result(result, as_json)


@main.command()
@_history_options
@click.option("--limit", type=float, help="The organ's cumulative limit in EQD2 [Gy].")
@click.option("--limit-bed", type=float, help="The limit in BED instead of --limit [Gy].")
@click.option(
    "--fx",
    "fractions",
    type=int,
    multiple=True,
    required=True,
    help="Fractions of the new course; repeat to compare (--fx 1 --fx 5 --fx 30).",
)
def budget(
    priors: tuple[str, ...],
    intervals: tuple[str, ...],
    prior_organ_doses: tuple[float, ...],
    alpha_beta: float,
    recovery: str,
    organ: str | None,
    as_json: bool,
    limit: float | None,
    limit_bed: float | None,
    fractions: tuple[int, ...],
) -> None:
    """Largest TOTAL dose to the organ of a new course, for each number of fractions.

    The remaining EQD2 is the limit minus the recovery-discounted history
    (negative: the limit is already exceeded, and every maximum is 0). The
    last --interval is the time to the new course.

    Example: radcalc budget --prior 70/35 --interval 24m --limit 100 --ab 2
    --fx 1 --fx 5 --fx 30
    """
    if (limit is None) == (limit_bed is None):
        raise click.UsageError("give exactly one of --limit (EQD2) and --limit-bed")
    result = dose_budget(
        _prior_courses(priors, intervals, prior_organ_doses),
        fractions=list(fractions),
        alpha_beta=alpha_beta,
        limit_eqd2=limit,
        limit_bed=limit_bed,
        recovery=recovery,
        organ=organ,
    )
    _print_result(result, as_json)


# --------------------------------------------------------------------------- constraint checks

#: Exit status of ``radcalc check`` when at least one rule FAILs.
EXIT_CHECK_FAILED = 3


@main.command()
@click.argument("plan_file", metavar="PLAN", type=click.Path(dir_okay=False))
@click.option(
    "--set",
    "extra_sets",
    metavar="FILE",
    multiple=True,
    help="Add a constraint set: your own TOML file (same schema) or a shipped name. Repeatable.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print a JSON list, one object per rule with keys rule, set, status, value, limit, "
    "unit, source (and more).",
)
def check(plan_file: str, extra_sets: tuple[str, ...], as_json: bool) -> None:
    """Check a re-irradiation plan (TOML) against consensus constraint sets.

    Prints one row per rule: status (PASS, WARN, FAIL, INFO, N/A), the computed
    value, the limit, the alpha/beta used and the source. N/A means the rule
    did not apply or could not be evaluated (never a pass).

    Exit status: 0 when no rule FAILs (WARN, INFO and N/A allowed); 3 when at
    least one rule FAILs; 1 for an invalid plan or constraint file; 2 for a
    usage error.

    Example: radcalc check plan.toml --set my_clinic.toml
    """
    report = check_plan(plan_file, extra_sets=extra_sets)
    if as_json:
        click.echo(json.dumps([row.to_dict() for row in report.rows], indent=2, ensure_ascii=False))
    else:
        click.echo(str(report))
    if not report.ok:
        raise click.exceptions.Exit(EXIT_CHECK_FAILED)


@main.group()
def constraints() -> None:
    """Browse the constraint sets shipped with radcalc, with their sources."""


@constraints.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the sets.")
def constraints_list(as_json: bool) -> None:
    """List the shipped constraint sets: name, evidence status, source, rules."""
    sets = [load_constraint_set(name) for name in list_constraint_sets()]
    if as_json:
        rows = [
            {
                "name": s.name,
                "title": s.title,
                "source": s.source.citation(),
                "source_status": s.source.status,
                "rules": [r.id for r in s.rules],
            }
            for s in sets
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max(len(s.name) for s in sets)
    for s in sets:
        click.echo(f"{s.name.ljust(width)}  [{s.source.status}]  {s.title}")
        click.echo(f"{' ' * width}  {s.source.citation()}")
        click.echo(f"{' ' * width}  rules: {', '.join(r.id for r in s.rules)}")


@constraints.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the set as JSON.")
def constraints_show(name: str, as_json: bool) -> None:
    """Show every rule of a constraint set: NAME is a shipped name or a TOML file.

    Example: radcalc constraints show li2024-npc-postop
    """
    cset = load_constraint_set(name)
    if as_json:
        click.echo(json.dumps(cset.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(cset.describe())
