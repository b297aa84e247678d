"""The ``radcalc`` command line: thin click commands over the library, no arithmetic.

Exit status: 0 success; 1 invalid input (one line on stderr, no traceback);
2 usage error (click's own); 3 ``radcalc check`` found a rule that FAILs;
4 ``radcalc check --strict``: nothing FAILs, but something could not be
evaluated (see :mod:`radcalc.check`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from radcalc import lq
from radcalc._cli_fast import gy as _gy
from radcalc._notes import collect_notes
from radcalc.errors import RadcalcError
from radcalc.repair import repair_factor
from radcalc.repopulation import repopulation_bed, repopulation_rate
from radcalc.schedules import Schedule, parse_schedule
from radcalc.uncertainty import AlphaBetaRange, Bounds, alpha_beta_bounds, parse_alpha_beta

if TYPE_CHECKING:  # imported where used: `radcalc eqd2` needs none of them (fast start)
    from radcalc.reirradiation import ConstraintLimit, Course, CumulativeDose, DoseBudget

F = TypeVar("F", bound=Callable[..., Any])


#: Subcommands that live in their own modules, imported only when invoked
#: (``radcalc eqd2`` must not pay for pydicom, dask or matplotlib).
#: name -> "module:attribute" of a click command.
LAZY_COMMANDS: dict[str, str] = {
    "map": "radcalc._cli_dicom:map_command",
    "accumulate": "radcalc._cli_dicom:accumulate_command",
    "dvh": "radcalc._cli_dvh:dvh_command",
    "cohort": "radcalc._cli_cohort:cohort_command",
}


class _RadcalcCommand(click.Command):
    """A command whose number options read ``-0`` as 0 (never ``-0.00 Gy`` in the output)."""

    def invoke(self, ctx: click.Context) -> Any:
        ctx.params = {name: _without_negative_zero(value) for name, value in ctx.params.items()}
        return super().invoke(ctx)


def _without_negative_zero(value: Any) -> Any:
    if isinstance(value, float):
        return value + 0.0  # -0.0 + 0.0 == +0.0; every other value unchanged
    if isinstance(value, tuple):
        return tuple(_without_negative_zero(item) for item in value)
    return value


class _RadcalcGroup(click.Group):
    """A click group that turns every error into one ``Error:`` line and exit status 1
    (never a traceback), and radcalc warnings into ``note:`` lines on stderr.
    Commands named in ``LAZY_COMMANDS`` are imported on first use."""

    command_class = _RadcalcCommand
    group_class = type  # subgroups are of this class too

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        if self is main:
            names.update(LAZY_COMMANDS)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and self is main and cmd_name in LAZY_COMMANDS:
            import importlib

            module_name, attribute = LAZY_COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(module_name), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{LAZY_COMMANDS[cmd_name]} is not a click command")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        # Model-validity warnings a command did not report itself become
        # one-line notes on stderr (never a Python warning with a file path).
        # collect_notes, unlike warnings.catch_warnings, is not process-wide state;
        # other warnings (numpy's) are shown as Python shows them.
        notes: list[str] = []
        try:
            with collect_notes() as notes:
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except RadcalcError as exc:
            raise click.ClickException(str(exc)) from None  # exit status 1
        except OSError as exc:  # e.g. writing --plot into a missing folder
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:  # never a traceback: one line, exit status 1
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}); please report this with "
                "the command line that caused it"
            ) from None
        finally:
            for note in notes:
                click.echo(f"note: {note}", err=True)


@click.group(cls=_RadcalcGroup)
@click.version_option(package_name="radcalc")
def main() -> None:
    """Radiobiology dose calculations (linear-quadratic model).

    Doses are in Gy. --dose is always the TOTAL dose of the course, never the
    dose per fraction. Every command needs the tissue alpha/beta (--ab); there
    is no default.
    """


def _alpha_beta_value(ctx: click.Context, param: click.Parameter, text: str) -> Any:
    if ":" in text:
        return parse_alpha_beta(text)  # an invalid range: one Error: line, exit 1
    try:
        return float(text)  # checked by the library, as every number (exit 1)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a number or a range LOW:HIGH (e.g. 3 or 2:4) [Gy]",
            ctx=ctx,
            param=param,
        ) from None


def _alpha_beta_values(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``--ab``: one alpha/beta (``3``) or a range (``2:4``, an
    :class:`~radcalc.uncertainty.AlphaBetaRange`) [Gy]."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_alpha_beta_value(ctx, param, item) for item in value)
    return _alpha_beta_value(ctx, param, value)


_RANGE_HELP = (
    " A range LOW:HIGH (e.g. 2:4) gives the low and high bound of each result over it, "
    "with the alpha/beta at which each is attained (searched, not assumed monotone)."
)


def _alpha_beta_option(func: F) -> F:
    return click.option(
        "--ab",
        "alpha_betas",
        metavar="AB",
        callback=_alpha_beta_values,
        multiple=True,
        required=True,
        help="Tissue alpha/beta [Gy]; repeat for one row each (--ab 3 --ab 10)." + _RANGE_HELP,
    )(func)


def _bounds_text(b: Bounds, unit: str = "Gy", digits: int = 2) -> str:
    """``"50.00 to 60.00 Gy (low at alpha/beta 4 Gy, high at alpha/beta 2 Gy)"``."""
    return (
        f"{b.low:.{digits}f} to {b.high:.{digits}f} {unit} (low at alpha/beta "
        f"{b.alpha_beta_low:.4g} Gy, high at alpha/beta {b.alpha_beta_high:.4g} Gy)"
    )


def _end_notes(func: Callable[[float], Any], alpha_beta: AlphaBetaRange) -> list[str]:
    """The notes of ``func`` at the two ends of a range (those of the search between the
    ends are not repeated: every radcalc result is monotone in alpha/beta, so the ends
    carry the extreme doses per fraction the notes quote)."""
    with collect_notes() as notes:
        func(alpha_beta.low)
        func(alpha_beta.high)
    return list(dict.fromkeys(notes))


def _bounds_json(b: Bounds) -> dict[str, Any]:
    data = b.to_dict()
    del data["alpha_beta_range"]
    return data


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


@dataclasses.dataclass(frozen=True, repr=False, eq=False)  # no repr/eq: CLI start-up
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
            f"K {rate:.4g} Gy/day, BED lost {_gy(lost)} Gy"
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


def _bracket(row: dict[str, Any]) -> str:
    return f" [{'; '.join(row['corrections'])}]" if row["corrections"] else ""


def _with_corrections(
    row: dict[str, Any], schedule: Schedule, corrections: _Corrections, notes: list[str]
) -> dict[str, Any]:
    """``row`` with the corrections applied to ``schedule`` and the notes raised."""
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


def _row(schedule: Schedule, alpha_beta: float, corrections: _Corrections) -> dict[str, Any]:
    with collect_notes() as notes:
        row = {
            "dose": schedule.dose,
            "fractions": schedule.fractions,
            "dose_per_fraction": schedule.dose_per_fraction,
            "fractions_per_day": schedule.fractions_per_day,
            "alpha_beta": alpha_beta,
            "bed": schedule.bed(alpha_beta, **corrections.tissue()),
            "eqd2": schedule.eqd2(alpha_beta, **corrections.tissue()),
        }
    return _with_corrections(row, schedule, corrections, notes)


def _range_row(
    schedule: Schedule, alpha_beta: AlphaBetaRange, corrections: _Corrections
) -> dict[str, Any]:
    """A row of ``eqd2``/``bed`` over an alpha/beta range: the bounds of each."""
    tissue = corrections.tissue()
    notes = _end_notes(
        lambda ab: (schedule.bed(ab, **tissue), schedule.eqd2(ab, **tissue)), alpha_beta
    )
    with collect_notes():
        row: dict[str, Any] = {
            "dose": schedule.dose,
            "fractions": schedule.fractions,
            "dose_per_fraction": schedule.dose_per_fraction,
            "fractions_per_day": schedule.fractions_per_day,
            "alpha_beta_range": [alpha_beta.low, alpha_beta.high],
            "bed": alpha_beta_bounds(lambda ab: schedule.bed(ab, **tissue), alpha_beta),
            "eqd2": alpha_beta_bounds(lambda ab: schedule.eqd2(ab, **tissue), alpha_beta),
        }
    return _with_corrections(row, schedule, corrections, notes)


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every Bounds as its JSON dict."""
    return [
        {key: _bounds_json(v) if isinstance(v, Bounds) else v for key, v in row.items()}
        for row in rows
    ]


def _require_finite(rows: list[dict[str, Any]]) -> None:
    """An error naming the inputs when a result is NaN or infinite (never printed)."""
    for row in rows:
        for key, value in row.items():
            if isinstance(value, (int, float)) and not math.isfinite(value):
                inputs = ", ".join(
                    f"{name} {row[name]:g}"
                    for name in ("dose", "fractions", "dose_per_fraction", "alpha_beta", "eqd2")
                    if name != key
                    and isinstance(row.get(name), (int, float))
                    and math.isfinite(row[name])
                )
                raise click.ClickException(
                    f"{key} is not a finite number ({value}) for {inputs}: the arithmetic "
                    "overflowed; check the inputs"
                )


def _json(data: Any, **options: Any) -> str:
    """``json.dumps`` with 2-space indent (json is imported here: CLI start-up)."""
    import json

    return json.dumps(data, indent=2, **options)


def _emit(rows: list[dict[str, Any]], as_json: bool, lines: list[str]) -> None:
    _require_finite(rows)
    notes = list(dict.fromkeys(note for row in rows for note in row["notes"]))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if as_json:
        click.echo(_json(_plain(rows)))
    else:
        for line in lines:
            click.echo(line)


def _forward(
    primary: str,
    dose: float | None,
    fractions: int | None,
    schedule_text: str | None,
    alpha_betas: tuple[float | AlphaBetaRange, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    schedule = _schedule_from(dose, fractions, schedule_text, corrections)
    order = ("eqd2", "bed") if primary == "eqd2" else ("bed", "eqd2")
    rows, lines = [], []
    for ab in alpha_betas:
        if isinstance(ab, AlphaBetaRange):
            row = _range_row(schedule, ab, corrections)
            line = f"{schedule.describe()}, alpha/beta {ab.low:g}:{ab.high:g} Gy: " + ", ".join(
                f"{key.upper()} {_bounds_text(row[key])}" for key in order
            )
        else:
            row = _row(schedule, ab, corrections)
            line = f"{schedule.describe()}, alpha/beta {row['alpha_beta']:g} Gy: " + ", ".join(
                f"{key.upper()} {_gy(row[key])} Gy" for key in order
            )
        rows.append(row)
        lines.append(line + _bracket(row))
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
    alpha_betas: tuple[float | AlphaBetaRange, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """EQD2 (and BED) of a schedule, one row per alpha/beta (or alpha/beta range).

    Example: radcalc eqd2 --dose 65 --fx 54 --ab 10

    Over a range: radcalc eqd2 --schedule 30/5 --ab 2:4

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
    alpha_betas: tuple[float | AlphaBetaRange, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """BED (and EQD2) of a schedule, one row per alpha/beta (or alpha/beta range).

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
    alpha_betas: tuple[float | AlphaBetaRange, ...],
    as_json: bool,
    corrections: _Corrections,
) -> None:
    """Inverse problems: the dose (given --fx) or the fractions (given
    --dose-per-fraction) that reach a target EQD2.

    The number of fractions is real-valued; the text output also shows the
    EQD2 of the whole numbers just below and above it (round up to reach at
    least the target, down to stay at or below it).

    Example: radcalc solve --eqd2 60 --fx 30 --ab 10

    Over a range (the bounds of the dose or of the fractions):
    radcalc solve --eqd2 60 --fx 5 --ab 2:4
    """
    if (fractions is None) == (dose_per_fraction is None):
        raise click.UsageError("give exactly one of --fx and --dose-per-fraction")
    results = []
    for ab in alpha_betas:
        if isinstance(ab, AlphaBetaRange):
            results.append(_solve_range(target, fractions, dose_per_fraction, ab, corrections))
        elif fractions is not None:
            results.append(_solve_dose(target, fractions, ab, corrections))
        elif dose_per_fraction is not None:
            results.append(_solve_fractions(target, dose_per_fraction, ab, corrections))
    _emit([row for row, _ in results], as_json, [line for _, line in results])


def _solve_range(
    target: float,
    fractions: int | None,
    dose_per_fraction: float | None,
    alpha_beta: AlphaBetaRange,
    corrections: _Corrections,
) -> tuple[dict[str, Any], str]:
    """``solve`` over an alpha/beta range: the bounds of the dose (or of the fractions)."""
    options = corrections.library()
    row: dict[str, Any] = {"eqd2": target, "alpha_beta_range": [alpha_beta.low, alpha_beta.high]}
    if fractions is not None:
        notes = _end_notes(
            lambda ab: lq.dose_for_eqd2(target, fractions, alpha_beta=ab, **options), alpha_beta
        )
    else:
        notes = _end_notes(
            lambda ab: lq.fractions_for_eqd2(target, dose_per_fraction, alpha_beta=ab, **options),
            alpha_beta,
        )
    with collect_notes():
        if fractions is not None:
            dose = alpha_beta_bounds(
                lambda ab: lq.dose_for_eqd2(target, fractions, alpha_beta=ab, **options),
                alpha_beta,
            )
            row.update(fractions=fractions, dose=dose)
            dpf = dose.high / fractions
            line = (
                f"EQD2 {target:g} Gy in {fractions} fx at alpha/beta {alpha_beta.low:g}:"
                f"{alpha_beta.high:g} Gy: total dose {_bounds_text(dose)}"
            )
        elif dose_per_fraction is not None:
            n = alpha_beta_bounds(
                lambda ab: lq.fractions_for_eqd2(
                    target, dose_per_fraction, alpha_beta=ab, **options
                ),
                alpha_beta,
            )
            row.update(dose_per_fraction=dose_per_fraction, fractions=n)
            dpf = dose_per_fraction
            line = (
                f"EQD2 {target:g} Gy at {dose_per_fraction:g} Gy/fx, alpha/beta "
                f"{alpha_beta.low:g}:{alpha_beta.high:g} Gy: {_bounds_text(n, 'fractions')}"
            )
        else:  # pragma: no cover - solve() checked
            raise click.UsageError("give exactly one of --fx and --dose-per-fraction")
    row.update(
        _applied(corrections, corrections.per_day, corrections.interval, corrections.days, dpf)
    )
    row["notes"] = notes
    return row, line + _bracket(row)


def _solve_dose(
    target: float, fractions: int, alpha_beta: float, corrections: _Corrections
) -> tuple[dict[str, Any], str]:
    options = corrections.library()
    with collect_notes() as notes:
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
        f"total dose {_gy(total)} Gy ({total / fractions:.4g} Gy/fx), BED {_gy(row['bed'])} Gy"
        + _bracket(row)
    )
    return row, line


def _solve_fractions(
    target: float, dose_per_fraction: float, alpha_beta: float, corrections: _Corrections
) -> tuple[dict[str, Any], str]:
    options = corrections.library()
    with collect_notes() as notes:
        n = lq.fractions_for_eqd2(target, dose_per_fraction, alpha_beta=alpha_beta, **options)
        row: dict[str, Any] = {
            "dose": n * dose_per_fraction,
            "fractions": n,
            "dose_per_fraction": dose_per_fraction,
            "alpha_beta": alpha_beta,
            "bed": lq.bed_from_eqd2(target, alpha_beta=alpha_beta),
            "eqd2": target,
        }
        _require_finite([row])  # before rounding n to whole fractions
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
                rounding.append(f"{whole} fx -> EQD2 {_gy(value)} Gy")
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
            help="An earlier course, oldest first, e.g. '70/35' or '65/54 bid 6h' (TOTAL "
            "dose/fractions); repeat for several courses.",
        ),
        click.option(
            "--interval",
            "intervals",
            metavar="TIME",
            multiple=True,
            help="One per --prior: time from the end of that course to the start of the next "
            "one, e.g. 24m, 540d, 1.5y (a bare number is months; 1 month = 30.4375 days). "
            "Or give dates instead: --prior-ended and --new-starts.",
        ),
        click.option(
            "--prior-ended",
            "prior_ended",
            metavar="YYYY-MM-DD",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            multiple=True,
            help="Instead of --interval: last treatment day of each --prior course, one per "
            "--prior.",
        ),
        click.option(
            "--prior-started",
            "prior_started",
            metavar="YYYY-MM-DD",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            multiple=True,
            help="With --prior-ended and several --prior: first treatment day of each --prior "
            "course, one per --prior.",
        ),
        click.option(
            "--new-starts",
            "new_starts",
            metavar="YYYY-MM-DD",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="With --prior-ended: first treatment day of the new course.",
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
            metavar="AB",
            callback=_alpha_beta_values,
            help="The organ's alpha/beta [Gy]; one value, no default." + _RANGE_HELP,
        ),
        click.option("--recovery", default="none", show_default=True, help=_RECOVERY_HELP),
        click.option(
            "--organ",
            help="The organ: picks the table of a --recovery TOML file; a shipped recovery "
            "model for another organ is refused for it.",
        ),
        click.option(
            "--recovery-any-organ",
            is_flag=True,
            help="Allow a shipped recovery model made for another organ than --organ "
            "(the output says so).",
        ),
        click.option(
            "--repair-half-time",
            type=float,
            help="The organ's repair half-time [h]: incomplete repair between same-day "
            "fractions of twice-daily courses (Thames 1985). No default: without it repair "
            "is complete, and the output says so.",
        ),
        click.option(
            "--model",
            type=click.Choice(lq.MODELS),
            default="lq",
            show_default=True,
            help="Dose-response model of every course: lq, or lql (linear above "
            "--transition-dose).",
        ),
        click.option(
            "--transition-dose", type=float, help="LQ-L transition dose d_T [Gy]; no default."
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the result as a JSON object."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@dataclasses.dataclass(frozen=True, repr=False, eq=False)  # no repr/eq: CLI start-up
class _History:
    """The history options of ``reirr`` and ``budget``, as typed."""

    priors: tuple[str, ...]
    intervals: tuple[str, ...]
    prior_ended: tuple[Any, ...]
    prior_started: tuple[Any, ...]
    new_starts: Any
    prior_organ_doses: tuple[float, ...]
    alpha_beta: float | AlphaBetaRange | None
    recovery: str
    organ: str | None
    recovery_any_organ: bool
    repair_half_time: float | None
    model: str
    transition_dose: float | None
    as_json: bool

    def courses(self) -> list[Course]:
        """The earlier courses, with their intervals or dates."""
        from radcalc.recovery import parse_interval
        from radcalc.reirradiation import Course

        priors, count = self.priors, len(self.priors)
        dates = bool(self.prior_ended or self.prior_started or self.new_starts)
        if self.intervals and dates:
            raise click.UsageError(
                "give the time between courses either as --interval (one per --prior) or as "
                "dates (--prior-ended with --new-starts), not both"
            )
        if not self.intervals and not dates:
            raise click.UsageError(
                "give the time between courses: --interval (one per --prior, e.g. 24m), or "
                "--prior-ended YYYY-MM-DD with --new-starts YYYY-MM-DD"
            )
        _one_per_prior("--prior-organ-dose", self.prior_organ_doses, count, optional=True)
        doses: list[float | None] = (
            list(self.prior_organ_doses) if self.prior_organ_doses else [None] * count
        )
        if self.intervals:
            _one_per_prior(
                "--interval", self.intervals, count, meaning=" (the time after that course)"
            )
            return [
                Course(parse_schedule(p), organ_dose=d, interval_months=parse_interval(t))
                for p, t, d in zip(priors, self.intervals, doses, strict=True)
            ]
        _one_per_prior("--prior-ended", self.prior_ended, count)
        if self.new_starts is None:
            raise click.UsageError(
                "with --prior-ended, give --new-starts (first day of the new course)"
            )
        _one_per_prior("--prior-started", self.prior_started, count, optional=count == 1)
        started = [s.date() for s in self.prior_started] or [None] * count
        return [
            Course(parse_schedule(p), organ_dose=d, started=s, ended=e.date())
            for p, d, s, e in zip(priors, doses, started, self.prior_ended, strict=True)
        ]

    def organ_options(self) -> dict[str, Any]:
        """Keyword options of cumulative_dose and dose_budget about the organ."""
        return {
            "recovery": self.recovery,
            "organ": self.organ,
            "recovery_any_organ": self.recovery_any_organ,
            "repair_half_time_hours": self.repair_half_time,
            "model": self.model,
            "transition_dose": self.transition_dose,
        }


def _one_per_prior(
    option: str, values: tuple[Any, ...], count: int, optional: bool = False, meaning: str = ""
) -> None:
    if len(values) == count or (optional and not values):
        return
    wanted = f"no {option} or one per --prior" if optional else f"one {option} per --prior"
    raise click.UsageError(
        f"give {wanted}{meaning}, got {count} --prior and {len(values)} {option}"
    )


def _history(func: F) -> F:
    """Pass the history options to the command as one ``history`` object."""

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        names = [field.name for field in dataclasses.fields(_History)]
        history = _History(**{name: kwargs.pop(name) for name in names})
        return func(*args, history=history, **kwargs)

    return _history_options(command)  # type: ignore[return-value]


def _print_result(result: CumulativeDose | DoseBudget, as_json: bool) -> None:
    click.echo(_json(result.to_dict()) if as_json else str(result))


@main.command()
@_history
@click.option(
    "--new",
    "new",
    metavar="SCHEDULE",
    required=True,
    help="The newest course, e.g. '65/54 bid 6h' (twice daily, 6 h apart).",
)
@click.option(
    "--new-organ-dose",
    type=float,
    help="The organ's TOTAL dose in the newest course if not its prescription [Gy].",
)
def reirr(history: _History, new: str, new_organ_dose: float | None) -> None:
    """Cumulative EQD2 and BED of an organ over earlier courses and a new one.

    Each earlier course counts as (1 - r) x its EQD2, r being the fraction
    recovered over the time from its end to the start of the newest course
    (the sum of the intervals after it). Intervals under 6 months are flagged.
    A twice-daily course ('65/54 bid 6h') gets incomplete repair with
    --repair-half-time; without it the output notes that full repair is assumed.

    Example: radcalc reirr --prior 70/35 --interval 24m --new "65/54 bid" --ab 3
    --recovery step-cord-2021

    With dates: radcalc reirr --prior 70/35 --prior-ended 2023-03-15
    --new-starts 2025-01-10 --new "65/54 bid 6h" --ab 2 --repair-half-time 4
    """
    from radcalc.reirradiation import Course, cumulative_dose

    if history.alpha_beta is None:
        raise click.UsageError("Missing option '--ab': the organ's alpha/beta [Gy], no default")
    courses = history.courses()
    start = history.new_starts.date() if history.new_starts is not None else None
    courses.append(Course(parse_schedule(new), organ_dose=new_organ_dose, started=start))
    if isinstance(history.alpha_beta, AlphaBetaRange):
        _reirr_range(courses, history.alpha_beta, history)
        return
    result = cumulative_dose(courses, alpha_beta=history.alpha_beta, **history.organ_options())
    _print_result(result, history.as_json)


def _reirr_range(courses: list[Course], alpha_beta: AlphaBetaRange, history: _History) -> None:
    """``reirr`` over an alpha/beta range: bounds of the cumulative EQD2 and BED."""
    from radcalc.reirradiation import cumulative_dose
    from radcalc.uncertainty import bounds

    options = history.organ_options()
    notes = _end_notes(lambda ab: cumulative_dose(courses, alpha_beta=ab, **options), alpha_beta)
    with collect_notes():
        at_low = cumulative_dose(courses, alpha_beta=alpha_beta.low, **options)
        eqd2 = bounds(
            cumulative_dose, courses, alpha_beta=alpha_beta, key=lambda r: r.cumulative_eqd2,
            **options,
        )  # fmt: skip
        bed = bounds(
            cumulative_dose, courses, alpha_beta=alpha_beta, key=lambda r: r.cumulative_bed,
            **options,
        )  # fmt: skip
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if history.as_json:
        data = {
            "alpha_beta_range": [alpha_beta.low, alpha_beta.high],
            "recovery": at_low.recovery.name,
            "cumulative_eqd2": _bounds_json(eqd2),
            "cumulative_bed": _bounds_json(bed),
            "warnings": list(at_low.warnings),
            "notes": list(at_low.notes),
        }
        click.echo(_json(data, ensure_ascii=False))
        return
    lines = [
        f"Cumulative dose over {len(courses)} courses, alpha/beta {alpha_beta.low:g}:"
        f"{alpha_beta.high:g} Gy (recovery: {at_low.recovery.name})",
        f"  cumulative EQD2 {_bounds_text(eqd2)}",
        f"  cumulative BED  {_bounds_text(bed)}",
        *(f"WARNING: {w}" for w in at_low.warnings),
        *(f"note: {n}" for n in at_low.notes),
    ]
    click.echo("\n".join(lines))


@main.command()
@_history
@click.option("--limit", type=float, help="The organ's cumulative limit in EQD2 [Gy].")
@click.option("--limit-bed", type=float, help="The limit in BED instead of --limit [Gy].")
@click.option(
    "--set",
    "limit_set",
    metavar="NAME",
    help="Instead of --limit: take the organ's cumulative limit (and its alpha/beta) from "
    "a shipped constraint set or your own constraint file; needs --organ.",
)
@click.option(
    "--rule",
    "rule_id",
    metavar="ID",
    help="With --set: the rule to use when the set has several limits for the organ.",
)
@click.option(
    "--fx",
    "fractions",
    type=int,
    multiple=True,
    required=True,
    help="Fractions of the new course; repeat to compare (--fx 1 --fx 5 --fx 30).",
)
@click.option(
    "--per-day",
    type=int,
    default=1,
    show_default=True,
    help="Fractions a day of the new course (2 = twice daily).",
)
@click.option(
    "--interval-hours",
    type=float,
    help="Hours between same-day fractions of the new course [h] (with --per-day 2).",
)
@click.option(
    "--plot",
    "plot_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Also write the budget against the number of fractions (1 to the largest --fx) "
    "as a figure, e.g. budget.png (needs matplotlib: pip install '.[plot]' in a clone).",
)
def budget(
    history: _History,
    limit: float | None,
    limit_bed: float | None,
    limit_set: str | None,
    rule_id: str | None,
    fractions: tuple[int, ...],
    per_day: int,
    interval_hours: float | None,
    plot_file: str | None,
) -> None:
    """Largest TOTAL dose to the organ of a new course, for each number of fractions.

    The remaining EQD2 is the limit minus the recovery-discounted history
    (negative: the limit is already exceeded, and every maximum is 0). The
    last --interval is the time to the new course.

    Example: radcalc budget --prior 70/35 --interval 24m --limit 100 --ab 2
    --fx 1 --fx 5 --fx 30

    Twice daily, 6 h apart, cord repair half-time 4 h: add --per-day 2
    --interval-hours 6 --repair-half-time 4.

    The limit of a constraint set: radcalc budget --prior 45/25 --interval 24m
    --set nieder2006-cord --organ "spinal cord" --fx 1 --fx 5
    """
    from radcalc.reirradiation import constraint_limit, dose_budget

    alpha_beta = history.alpha_beta
    from_set = None
    if limit_set is not None:
        if limit is not None or limit_bed is not None:
            raise click.UsageError("give --set or --limit/--limit-bed, not both")
        if history.organ is None:
            raise click.UsageError("--set needs --organ (the organ whose limit to use)")
        from_set = constraint_limit(limit_set, history.organ, rule=rule_id)
        alpha_beta = _set_alpha_beta(from_set, alpha_beta)
        limit, limit_bed = (
            (from_set.limit, None) if from_set.quantity == "eqd2" else (None, from_set.limit)
        )
    elif rule_id is not None:
        raise click.UsageError("--rule chooses a rule of --set: give --set too")
    if (limit is None) == (limit_bed is None):
        raise click.UsageError("give exactly one of --limit (EQD2) and --limit-bed (or --set)")
    if alpha_beta is None:
        raise click.UsageError("Missing option '--ab': the organ's alpha/beta [Gy], no default")
    arguments: dict[str, Any] = dict(
        fractions=list(fractions),
        limit_eqd2=limit,
        limit_bed=limit_bed,
        new_course_start=history.new_starts.date() if history.new_starts is not None else None,
        fractions_per_day=per_day,
        interval_hours=interval_hours,
        **history.organ_options(),
    )
    if isinstance(alpha_beta, AlphaBetaRange):
        notes = (from_set.describe(),) if from_set is not None else ()
        _budget_range(history, alpha_beta, arguments, notes, plot_file)
        return
    result = dose_budget(history.courses(), alpha_beta=alpha_beta, **arguments)
    if from_set is not None:
        result = dataclasses.replace(result, notes=(from_set.describe(), *result.notes))
    if plot_file is not None:  # first: a bad file name is an error before any output
        from radcalc.plot import save_budget_figure

        save_budget_figure(result, plot_file)
    _print_result(result, history.as_json)


def _budget_range(
    history: _History,
    alpha_beta: AlphaBetaRange,
    arguments: dict[str, Any],
    set_notes: tuple[str, ...],
    plot_file: str | None,
) -> None:
    """``budget`` over an alpha/beta range: bounds of the history, remainder and each dose."""
    from radcalc.reirradiation import dose_budget
    from radcalc.uncertainty import bounds

    courses = history.courses()
    notes = _end_notes(lambda ab: dose_budget(courses, alpha_beta=ab, **arguments), alpha_beta)
    with collect_notes():  # the search's and the figure's notes: as at the ends
        at_low = dose_budget(courses, alpha_beta=alpha_beta.low, **arguments)
        history_eqd2 = bounds(
            dose_budget, courses, alpha_beta=alpha_beta, key=lambda b: b.history_eqd2,
            **arguments,
        )  # fmt: skip
        remaining = bounds(
            dose_budget, courses, alpha_beta=alpha_beta, key=lambda b: b.remaining_eqd2,
            **arguments,
        )  # fmt: skip
        doses = bounds(
            dose_budget, courses, alpha_beta=alpha_beta,
            key=lambda b: [o.max_dose for o in b.options], **arguments,
        )  # fmt: skip
        if plot_file is not None:  # before any output: a bad file name is an error first
            from radcalc.plot import plot_budget, save_figure

            band = [dose_budget(courses, alpha_beta=float(x), **arguments)
                    for x in alpha_beta.grid(9)]  # fmt: skip
            save_figure(plot_file, lambda ax: plot_budget(at_low, band=band, ax=ax))
    for note in notes:
        click.echo(f"note: {note}", err=True)
    option_fractions = [o.fractions for o in at_low.options]
    per_option = [
        Bounds(lo, hi, a_lo, a_hi, alpha_beta)
        for lo, hi, a_lo, a_hi in zip(
            doses.low, doses.high, doses.alpha_beta_low, doses.alpha_beta_high, strict=True
        )
    ]
    if history.as_json:
        data = {
            "alpha_beta_range": [alpha_beta.low, alpha_beta.high],
            "limit_quantity": at_low.limit_quantity,
            "limit": at_low.limit_eqd2 if at_low.limit_quantity == "eqd2" else at_low.limit_bed,
            "recovery": at_low.recovery.name,
            "history_eqd2": _bounds_json(history_eqd2),
            "remaining_eqd2": _bounds_json(remaining),
            "options": [
                {"fractions": n, "max_dose": _bounds_json(b)}
                for n, b in zip(option_fractions, per_option, strict=True)
            ],
            "warnings": list(at_low.warnings),
            "notes": [*set_notes, *at_low.notes],
        }
        click.echo(_json(data, ensure_ascii=False))
        return
    limit = (
        f"{at_low.limit_eqd2:g} Gy EQD2"
        if at_low.limit_quantity == "eqd2"
        else f"{at_low.limit_bed:g} Gy BED"
    )
    lines = [
        f"Dose budget, alpha/beta {alpha_beta.low:g}:{alpha_beta.high:g} Gy, limit {limit} "
        f"(recovery: {at_low.recovery.name})",
        f"  history EQD2   {_bounds_text(history_eqd2)}",
        f"  remaining EQD2 {_bounds_text(remaining)}",
        *(
            f"  {n} fx: max organ dose {_bounds_text(b)}"
            for n, b in zip(option_fractions, per_option, strict=True)
        ),
        *(f"WARNING: {w}" for w in at_low.warnings),
        *(f"note: {n}" for n in (*set_notes, *at_low.notes)),
    ]
    click.echo("\n".join(lines))


def _set_alpha_beta(
    from_set: ConstraintLimit, given: float | AlphaBetaRange | None
) -> float | AlphaBetaRange | None:
    """The alpha/beta of a budget whose limit comes from a constraint set."""
    if from_set.alpha_beta is None or (from_set.alpha_beta_assumed and given is not None):
        return given  # the organ's own alpha/beta replaces an assumed one
    if isinstance(given, AlphaBetaRange):
        raise click.UsageError(
            f"the limit of {from_set.set_name}:{from_set.rule_id} is expressed at alpha/beta "
            f"{from_set.alpha_beta:g} Gy (stated by its source), so an alpha/beta range does "
            f"not apply to it; leave out --ab or give --ab {from_set.alpha_beta:g}"
        )
    if given is not None and given != from_set.alpha_beta:
        raise click.UsageError(
            f"the limit of {from_set.set_name}:{from_set.rule_id} is expressed at alpha/beta "
            f"{from_set.alpha_beta:g} Gy (stated by its source); leave out --ab or give "
            f"--ab {from_set.alpha_beta:g}"
        )
    return from_set.alpha_beta


# --------------------------------------------------------------------------- constraint checks

#: Exit status of ``radcalc check`` when at least one rule FAILs.
EXIT_CHECK_FAILED = 3  # = radcalc.check.EXIT_FAIL (not imported here: fast start; tested)


def _terminal_width() -> int:
    """``COLUMNS`` when set to a number, else 80 (also when output is not a terminal)."""
    text = os.environ.get("COLUMNS", "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return 80


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
    "--strict",
    is_flag=True,
    help="Exit 4 when nothing FAILs but a rule could not be evaluated (e.g. its organ is "
    "missing) or a plan organ is read by no rule.",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: ok, complete, exit_status, strict, counts, organs, "
    "not_evaluated and rows (one object per rule with keys rule, set, status, value, limit, "
    "unit, source and more).",
)
@click.option(
    "--ab-range",
    "ab_ranges",
    metavar="ORGAN=LOW:HIGH",
    multiple=True,
    help="Judge the rules of a plan organ (its name as in the plan; 'target' for the "
    "target rules) over an alpha/beta range [Gy], where its alpha/beta would apply (rules "
    "whose source states the alpha/beta keep it): robust PASS/FAIL, or WARN 'depends on "
    "alpha/beta' with the alpha/beta at which it flips. Repeatable.",
)
def check(
    plan_file: str,
    extra_sets: tuple[str, ...],
    strict: bool,
    as_json: bool,
    ab_ranges: tuple[str, ...],
) -> None:
    """Check a re-irradiation plan (TOML) against consensus constraint sets.

    Prints one block per rule: status (PASS, WARN, FAIL, INFO, N/A), the
    computed value, the limit, the alpha/beta used, the source and why. N/A
    means the rule did not apply or could not be evaluated (never a pass).
    Then each plan organ with how its name was matched (TG-263 names and
    variants; a PRV only for rules that say so) and the rules that read it,
    and every rule that could not be evaluated. Text fits $COLUMNS (80 when
    unset).

    Exit status: 0 when no rule FAILs (WARN, INFO and N/A allowed); 3 when at
    least one rule FAILs; 4 with --strict when nothing FAILs but something
    could not be evaluated; 1 for an invalid plan or constraint file; 2 for a
    usage error.

    A course may name rtdose + rtstruct (or dvh_export) files: its organ doses
    are then a DVH metric of each organ's structure (metric, default Dmax),
    and the report says which metric, ROI and files gave each dose.

    Example: radcalc check plan.toml --set my_clinic.toml --strict

    Over alpha/beta ranges: radcalc check plan.toml --ab-range target=5:15
    --ab-range "spinal cord=2:4"
    """
    from radcalc.check import check_plan

    ranges: dict[str, AlphaBetaRange] = {}
    for item in ab_ranges:
        organ, equals, text = item.rpartition("=")
        value = parse_alpha_beta(text) if equals and organ.strip() else None
        if not isinstance(value, AlphaBetaRange):
            raise click.UsageError(
                f"--ab-range takes ORGAN=LOW:HIGH (e.g. 'spinal cord=2:4' or target=8:12), "
                f"got {item!r}"
            )
        if organ.strip() in ranges:
            raise click.UsageError(f"--ab-range given twice for {organ.strip()!r}")
        ranges[organ.strip()] = value
    report = check_plan(plan_file, extra_sets=extra_sets, alpha_beta_ranges=ranges)
    status = report.exit_status(strict=strict)
    if as_json:
        data = report.to_dict(strict=strict)
        click.echo(_json(data, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(report.text(_terminal_width(), strict=strict))
    if status:
        raise click.exceptions.Exit(status)


@main.group()
def constraints() -> None:
    """Browse the constraint sets shipped with radcalc, with their sources."""


@constraints.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of the sets.")
def constraints_list(as_json: bool) -> None:
    """List the shipped constraint sets: name, evidence status, source, rules."""
    from radcalc.constraints import list_constraint_sets, load_constraint_set

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
        click.echo(_json(rows, ensure_ascii=False))
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
    from radcalc.constraints import load_constraint_set

    cset = load_constraint_set(name)
    if as_json:
        click.echo(_json(cset.to_dict(), ensure_ascii=False))
        return
    click.echo(cset.describe())
