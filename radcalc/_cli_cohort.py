"""``radcalc cohort``: many plan files checked on dask.distributed into one results table.

Registered lazily in :data:`radcalc.cli.LAZY_COMMANDS`, so that no other
command imports dask, distributed, pandas or pyarrow. No arithmetic here: the
library (:mod:`radcalc.cohort`) computes, this prints.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import click

from radcalc.cohort import (
    COLUMNS,
    EXIT_FAIL,
    EXIT_TASK_ERRORS,
    CohortResult,
    check_cohort,
)
from radcalc.errors import InvalidInputError


def _plan_lines(result: CohortResult) -> list[str]:
    """One line per plan: ERROR and the message, or its rule counts."""
    lines = []
    for plan in result.plans:
        rows = [row for row in result.rows if row["plan"] == plan]
        errors = [row for row in rows if row["kind"] == "error"]
        if errors:
            lines.append(f"ERROR    {plan}: {errors[0]['error']}")
            continue
        counts = Counter(row["status"] for row in rows if row["kind"] == "rule")
        verdict = "NOT OK" if counts["FAIL"] else "OK"
        text = ", ".join(f"{counts[s]} {s}" for s in ("FAIL", "WARN", "PASS", "INFO", "N/A"))
        lines.append(f"{verdict:<8} {plan}: {text}")
    return lines


@click.command("cohort")
@click.argument("plan_files", metavar="PLAN.toml...", nargs=-1, required=True)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Use a running dask.distributed cluster (e.g. tcp://HOST:8786); the plan files "
    "must be readable by its workers under the same paths.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Without --scheduler: worker processes of the local cluster started (and closed) "
    "for this run. Default: one per core.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the table to a .csv (rows appended as each plan completes) or .parquet file.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Skip the plans already in --out (error rows are evaluated again).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object: plans, failed, exit_status, columns and rows.",
)
@click.option(
    "--quiet",
    is_flag=True,
    help="No progress bar (also off when stdout or stderr is not a terminal).",
)
def cohort_command(
    plan_files: tuple[str, ...],
    scheduler: str | None,
    workers: int | None,
    out: str | None,
    resume: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check many plan files (TOML, courses with DICOM files or typed-in doses) on dask.

    Each plan is one task: its constraint check (one row per rule) and its
    organ metrics per course. A plan that cannot be evaluated (missing or
    broken plan or DICOM file) gets an error row; the others go on. Prints one
    line per plan and a summary, or --json.

    Exit status: 0 when every plan was evaluated and no rule FAILs; 3 when a
    rule FAILs (as radcalc check); 5 when at least one plan could not be
    evaluated (the message says how many; their error rows say why); 1 for
    invalid options or an unreachable scheduler; 2 for a usage error.

    Example: radcalc cohort plans/*.toml --workers 4 --out results.csv
    """
    if scheduler is not None and workers is not None:
        raise InvalidInputError("give --scheduler or --workers, not both")
    if resume and out is None:
        raise InvalidInputError("--resume needs --out (the table of the earlier run)")
    progress = None if not quiet else False
    if scheduler is None:
        result = check_cohort(
            plan_files, workers=workers, out=out, resume=resume, progress=progress
        )
    else:
        from distributed import Client

        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise click.ClickException(
                f"cannot connect to the scheduler {scheduler!r} ({exc})"
            ) from None
        with client:
            result = check_cohort(
                plan_files, client=client, out=out, resume=resume, progress=progress
            )
    status = result.exit_status
    if as_json:
        data: dict[str, Any] = {
            "plans": len(result.plans),
            "failed": result.failed,
            "plans_with_fail": result.plans_with_fail,
            "resumed": result.resumed,
            "exit_status": status,
            "out": result.out,
            "columns": list(COLUMNS),
            "rows": result.rows,
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        for line in _plan_lines(result):
            click.echo(line)
        click.echo(result.summary() + ".")
    if status == EXIT_TASK_ERRORS:
        click.echo(
            f"Error: {result.failed} of {len(result.plans)} plan(s) could not be evaluated "
            "(their error rows say why)",
            err=True,
        )
    if status:
        if status not in (EXIT_FAIL, EXIT_TASK_ERRORS):  # pragma: no cover - defensive
            raise AssertionError(status)
        raise click.exceptions.Exit(status)
