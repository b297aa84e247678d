"""The ``radcalc`` command line: thin click commands over the library, no arithmetic.

Exit status: 0 success; 1 invalid input (one line on stderr, no traceback);
2 usage error (click's own).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from radcalc import lq
from radcalc.errors import RadcalcError, RadcalcWarning
from radcalc.repair import repair_factor
from radcalc.repopulation import repopulation_bed, repopulation_rate
from radcalc.schedules import Schedule, parse_schedule

F = TypeVar("F", bound=Callable[..., Any])

#: Exit status for invalid input (bad numbers, unparseable schedules, bad files).
EXIT_INVALID_INPUT = 1


class _InvalidInput(click.ClickException):
    """Invalid input: one line on stderr and exit status 1."""

    exit_code = EXIT_INVALID_INPUT


class _RadcalcGroup(click.Group):
    """A click group that turns radcalc errors into one line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except RadcalcError as exc:
            raise _InvalidInput(str(exc)) from None


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


@dataclasses.dataclass(frozen=True)
class _Corrections:
    """The correction options of one command line, as typed (None = not given)."""

    per_day: int | None = None
    interval: float | None = None
    repair_half_time: float | None = None
    days: float | None = None
    kickoff: float | None = None
    repopulation: float | None = None
    alpha: float | None = None
    tpot: float | None = None
    model: str = "lq"
    transition_dose: float | None = None

    def __post_init__(self) -> None:
        repopulation_given = any(
            value is not None for value in (self.kickoff, self.repopulation, self.alpha, self.tpot)
        )
        if self.days is not None and not repopulation_given:
            raise click.UsageError(
                "--days is used only by the repopulation correction: give --kickoff and "
                "--repopulation (or --alpha and --tpot) too"
            )

    def tissue(self) -> dict[str, Any]:
        """Keyword options of Schedule.bed/eqd2 (the tissue's parameters)."""
        return {
            "repair_half_time_hours": self.repair_half_time,
            "kickoff_days": self.kickoff,
            "repopulation_bed_per_day": self.repopulation,
            "alpha": self.alpha,
            "potential_doubling_days": self.tpot,
            "model": self.model,
            "transition_dose": self.transition_dose,
        }

    def library(self) -> dict[str, Any]:
        """Keyword options of the radcalc.lq functions (schedule and tissue)."""
        return {
            **self.tissue(),
            "fractions_per_day": self.per_day,
            "interval_hours": self.interval,
            "overall_days": self.days,
        }


def _correction_options(func: F) -> F:
    """Add the correction options; the command receives them as ``corrections``."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        names = [field.name for field in dataclasses.fields(_Corrections)]
        corrections = _Corrections(**{name: kwargs.pop(name) for name in names})
        return func(*args, corrections=corrections, **kwargs)

    options = [
        click.option("--per-day", type=int, help="Fractions per treatment day (2 = twice daily)."),
        click.option("--interval", type=float, help="Hours between fractions of the same day [h]."),
        click.option(
            "--repair-half-time",
            type=float,
            help="Tissue repair half-time [h]: incomplete repair between same-day fractions "
            "(Thames 1985). No default: without it repair is complete.",
        ),
        click.option(
            "--days", type=float, help="Overall treatment time, first to last fraction [days]."
        ),
        click.option("--kickoff", type=float, help="Repopulation onset T_k [days]; no default."),
        click.option(
            "--repopulation",
            type=float,
            help="BED lost per day after T_k, K [Gy/day]; no default.",
        ),
        click.option(
            "--alpha",
            type=float,
            help="Tumour alpha [1/Gy]; with --tpot instead of --repopulation, "
            "K = ln2/(alpha T_pot).",
        ),
        click.option(
            "--tpot", type=float, help="Potential doubling time T_pot [days], with --alpha."
        ),
        click.option(
            "--model",
            type=click.Choice(lq.MODELS),
            default="lq",
            show_default=True,
            help="Dose-response model: lq, or lql (linear above --transition-dose).",
        ),
        click.option(
            "--transition-dose", type=float, help="LQ-L transition dose d_T [Gy]; no default."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command  # type: ignore[return-value]


def _schedule_from(
    dose: float | None, fractions: int | None, text: str | None, corrections: _Corrections
) -> Schedule:
    if text is not None:
        if dose is not None or fractions is not None:
            raise click.UsageError("give either --schedule or --dose with --fx, not both")
        if corrections.per_day is not None or corrections.interval is not None:
            raise click.UsageError(
                "with --schedule, give fractions per day and interval in the schedule text "
                "(e.g. '65/54 bid 6h'), not with --per-day/--interval"
            )
        schedule = parse_schedule(text)
        if corrections.days is None:
            return schedule
        return dataclasses.replace(schedule, overall_days=corrections.days)
    if dose is None or fractions is None:
        raise click.UsageError("give --dose and --fx (or --schedule)")
    return Schedule(
        dose,
        fractions,
        fractions_per_day=1 if corrections.per_day is None else corrections.per_day,
        interval_hours=corrections.interval,
        overall_days=corrections.days,
    )


def _applied(
    corrections: _Corrections,
    fractions_per_day: int | None,
    interval_hours: float | None,
    overall_days: float | None,
    dose_per_fraction: float,
) -> dict[str, Any]:
    """Name every correction applied (called after the library accepted the options)."""
    names: list[str] = []
    factor = None
    if corrections.repair_half_time is not None and fractions_per_day and fractions_per_day > 1:
        factor = repair_factor(
            fractions_per_day,
            interval_hours=interval_hours,
            repair_half_time_hours=corrections.repair_half_time,
        )
        names.append(
            f"incomplete repair (Thames 1985): {fractions_per_day} fx/day {interval_hours:g} h "
            f"apart, repair half-time {corrections.repair_half_time:g} h, h = {factor:.4f}"
        )
    elif fractions_per_day and fractions_per_day > 1:
        names.append("full repair assumed (no --repair-half-time)")
    elif corrections.repair_half_time is not None:
        names.append("once daily: full repair overnight, --repair-half-time has no effect")
    lost = None
    if overall_days is not None:
        rate = (
            corrections.repopulation
            if corrections.repopulation is not None
            else repopulation_rate(
                alpha=corrections.alpha, potential_doubling_days=corrections.tpot
            )
        )
        lost = repopulation_bed(
            overall_days, kickoff_days=corrections.kickoff, repopulation_bed_per_day=rate
        )
        names.append(
            f"repopulation (Fowler 1989): T {overall_days:g} d, T_k {corrections.kickoff:g} d, "
            f"K {rate:.4g} Gy/day, BED lost {lost:.2f} Gy"
        )
    transition = corrections.transition_dose
    if corrections.model == "lql" and transition is not None:
        linear = "linear part" if dose_per_fraction > transition else "same as LQ"
        names.append(
            f"LQ-L (Astrahan 2008), d_T {transition:g} Gy ({dose_per_fraction:.4g} Gy/fx: {linear})"
        )
    return {
        "corrections": names,
        "model": corrections.model,
        "transition_dose": corrections.transition_dose,
        "repair_factor": factor,
        "repopulation_bed": lost,
    }


@contextlib.contextmanager
def _notes() -> Iterator[list[str]]:
    """Collect RadcalcWarnings as one-line notes instead of Python warnings."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RadcalcWarning)
        yield notes
    for warning in caught:
        if issubclass(warning.category, RadcalcWarning):
            if str(warning.message) not in notes:
                notes.append(str(warning.message))
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


def _bracket(row: dict[str, Any]) -> str:
    return f" [{'; '.join(row['corrections'])}]" if row["corrections"] else ""


def _row(schedule: Schedule, alpha_beta: float, corrections: _Corrections) -> dict[str, Any]:
    with _notes() as notes:
        row = {
            "dose": schedule.dose,
            "fractions": schedule.fractions,
            "dose_per_fraction": schedule.dose_per_fraction,
            "fractions_per_day": schedule.fractions_per_day,
            "alpha_beta": alpha_beta,
            "bed": schedule.bed(alpha_beta, **corrections.tissue()),
            "eqd2": schedule.eqd2(alpha_beta, **corrections.tissue()),
        }
    row.update(
        _applied(
            corrections,
            schedule.fractions_per_day,
            schedule.interval_hours,
            schedule.overall_days,
            schedule.dose_per_fraction,
        )
    )
    row["notes"] = notes
    return row


def _emit(rows: list[dict[str, Any]], as_json: bool, lines: list[str]) -> None:
    notes = list(dict.fromkeys(note for row in rows for note in row["notes"]))
    for note in notes:
        click.echo(f"note: {note}", err=True)
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
    corrections: _Corrections,
) -> None:
    schedule = _schedule_from(dose, fractions, schedule_text, corrections)
    rows = [_row(schedule, ab, corrections) for ab in alpha_betas]
    order = ("eqd2", "bed") if primary == "eqd2" else ("bed", "eqd2")
    lines = [
        f"{schedule.describe()}, alpha/beta {row['alpha_beta']:g} Gy: "
        + ", ".join(f"{key.upper()} {row[key]:.2f} Gy" for key in order)
        + _bracket(row)
        for row in rows
    ]
    _emit(rows, as_json, lines)


_CORRECTIONS_HELP = """

    Corrections (each off unless given; tissue parameters have no default):
    incomplete repair between same-day fractions (--per-day, --interval,
    --repair-half-time), overall treatment time (--days, --kickoff and
    --repopulation, or --alpha with --tpot), LQ-L (--model lql
    --transition-dose). The output names every correction applied.
"""


@main.command(epilog=_CORRECTIONS_HELP)
@_schedule_options
@_alpha_beta_option
@_correction_options
@_json_option
def eqd2(
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """EQD2 (and BED) of a schedule, one row per alpha/beta.

    Example: radcalc eqd2 --dose 65 --fx 54 --ab 10

    Twice daily, 6 h apart, repair half-time 4 h:
    radcalc eqd2 --dose 65 --fx 54 --per-day 2 --interval 6 --repair-half-time 4 --ab 3
    """
    _forward("eqd2", dose, fractions, schedule_text, alpha_betas, as_json, corrections)


@main.command(epilog=_CORRECTIONS_HELP)
@_schedule_options
@_alpha_beta_option
@_correction_options
@_json_option
def bed(
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """BED (and EQD2) of a schedule, one row per alpha/beta.

    Example: radcalc bed --schedule "30/5" --ab 3 --ab 10
    """
    _forward("bed", dose, fractions, schedule_text, alpha_betas, as_json, corrections)


@main.command(epilog=_CORRECTIONS_HELP)
@click.option("--eqd2", "target", type=float, required=True, help="Target EQD2 [Gy].")
@click.option("--fx", "fractions", type=int, help="Number of fractions: solve for the total dose.")
@click.option(
    "--dose-per-fraction",
    type=float,
    help="Dose per fraction [Gy]: solve for the number of fractions.",
)
@_alpha_beta_option
@_correction_options
@_json_option
def solve(
    target: float,
    fractions: int | None,
    dose_per_fraction: float | None,
    alpha_betas: tuple[float, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """Inverse problems: the dose (given --fx) or the fractions (given
    --dose-per-fraction) that reach a target EQD2.

    The number of fractions is real-valued; the text output also shows the
    EQD2 of the whole numbers just below and above it (round up to reach at
    least the target, down to stay at or below it).

    Example: radcalc solve --eqd2 60 --fx 30 --ab 10
    """
    if fractions is not None and dose_per_fraction is None:
        results = [_solve_dose(target, fractions, ab, corrections) for ab in alpha_betas]
    elif dose_per_fraction is not None and fractions is None:
        results = [
            _solve_fractions(target, dose_per_fraction, ab, corrections) for ab in alpha_betas
        ]
    else:
        raise click.UsageError("give exactly one of --fx and --dose-per-fraction")
    _emit([row for row, _ in results], as_json, [line for _, line in results])


def _solve_dose(
    target: float, fractions: int, alpha_beta: float, corrections: _Corrections
) -> tuple[dict[str, Any], str]:
    options = corrections.library()
    with _notes() as notes:
        total = lq.dose_for_eqd2(target, fractions, alpha_beta=alpha_beta, **options)
        row = {
            "dose": total,
            "fractions": fractions,
            "dose_per_fraction": total / fractions,
            "alpha_beta": alpha_beta,
            "bed": lq.bed(total, fractions, alpha_beta=alpha_beta, **options),
            "eqd2": target,
        }
    row.update(
        _applied(
            corrections,
            corrections.per_day,
            corrections.interval,
            corrections.days,
            total / fractions,
        )
    )
    row["notes"] = notes
    line = (
        f"EQD2 {target:g} Gy in {fractions} fx at alpha/beta {alpha_beta:g} Gy: "
        f"total dose {total:.2f} Gy ({total / fractions:.4g} Gy/fx), BED {row['bed']:.2f} Gy"
        + _bracket(row)
    )
    return row, line


def _solve_fractions(
    target: float, dose_per_fraction: float, alpha_beta: float, corrections: _Corrections
) -> tuple[dict[str, Any], str]:
    options = corrections.library()
    with _notes() as notes:
        n = lq.fractions_for_eqd2(target, dose_per_fraction, alpha_beta=alpha_beta, **options)
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
            usable = whole >= 1 and whole >= (corrections.per_day or 1)
            value = (
                lq.eqd2(whole * dose_per_fraction, whole, alpha_beta=alpha_beta, **options)
                if usable
                else None
            )
            row[f"fractions_rounded_{label}"] = whole if usable else None
            row[f"eqd2_rounded_{label}"] = value
            if value is not None:
                rounding.append(f"{whole} fx -> EQD2 {value:.2f} Gy")
    row.update(
        _applied(
            corrections,
            corrections.per_day,
            corrections.interval,
            corrections.days,
            dose_per_fraction,
        )
    )
    row["notes"] = notes
    line = (
        f"EQD2 {target:g} Gy at {dose_per_fraction:g} Gy/fx, alpha/beta {alpha_beta:g} Gy: "
        f"{n:.2f} fractions ({'; '.join(rounding)})" + _bracket(row)
    )
    return row, line
