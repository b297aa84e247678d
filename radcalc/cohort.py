"""Cohorts: many plan files checked on dask.distributed, one task per plan, into one table.

:func:`check_cohort` ships the *paths* of the plan files to the workers of a
dask.distributed cluster (an existing one through ``client``, or a
``LocalCluster`` it starts and closes); each task runs :func:`evaluate_plan`
on its plan, reads the plan's own files (dose grids never travel through the
scheduler) and returns that patient's rows. Rows are written to ``out`` as
they complete, and a rerun with ``resume=True`` skips the plans already done.

The table
---------
One row per patient × rule (the rows of :func:`radcalc.check.check_plan`),
one row per patient × organ × course (the organ's dose metric in that course),
one row per note radcalc raised while evaluating the plan (e.g. a dose per
fraction above 10 Gy, where LQ is stretched) and, for a plan that could not be
evaluated, one error row. Every row has the
columns of :data:`COLUMNS`, in that order (None where a column does not apply):

============== ======= ==========================================================
column         type    meaning
============== ======= ==========================================================
plan           str     the plan file, absolute path (the key ``resume`` matches)
patient        str     the plan file's name without its suffix
kind           str     ``"rule"``, ``"metric"``, ``"note"`` or ``"error"``
set            str     constraint set of a rule row
rule           str     rule id of a rule row
applies_to     str     ``"target"`` or the plan's organ name
course         int     metric rows: the course, 1 = oldest
metric         str     metric rows: ``"Dmax"``, ``"D0.03cc"``, ... or ``"max_dose"``
                       (typed into the plan file)
status         str     rule rows: FAIL, WARN, PASS, INFO or N/A; error rows: ERROR
value          float   the rule's value, or the metric's dose [unit]
limit          float   the rule's limit [unit]
comparator     str     ``"<="``, ``">="`` ...
unit           str     ``"Gy"``, ``"months"`` ...
quantity       str     e.g. ``"cumulative-eqd2"``; metric rows ``"physical-dose"``
alpha_beta     float   the α/β the rule used [Gy]
ab_assumed     bool    True when that α/β is radcalc's assumption
source         str     rule rows: the citation; metric rows: the dose file (or
                       ``"plan file"`` for a typed-in dose)
detail         str     why the row has its status; metric rows: the ROI; note
                       rows: radcalc's note (a RadcalcWarning's text)
error          str     error rows: ``"PlanFileError: <the message>"``
============== ======= ==========================================================

A plan that FAILs a rule is *evaluated* (its rows say FAIL); a plan that could
not be evaluated (a missing or broken plan or DICOM file, an unknown
structure, a worker that died) has one error row and counts in
:attr:`CohortResult.failed`; the other plans go on.

Output files
------------
``out`` ending in ``.csv``: the header, then each plan's rows appended (one
``write`` per plan, unbuffered) as soon as its task completes (a crash loses
nothing finished).
``out`` ending in ``.parquet``: the whole table rewritten atomically (a
temporary file, then a rename) after a completed plan at most once a second,
and at the end, so a crash loses at most the last second. CSV rows are in the
order the plans complete; the returned rows and the final Parquet file are in
the order the plans were given. Without ``resume``
an existing ``out`` is replaced. With ``resume``, the plans that have rows in
``out`` other than an error row are skipped (their rows are kept and
returned); error rows are dropped and those plans are evaluated again.

Plan files whose courses name DICOM files (``rtdose``/``rtstruct``) or a DVH
export (``dvh_export``) are read by the task that checks them
(:func:`radcalc.plan.resolve_doses`, each file once).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from radcalc._files import MAX_BINARY_BYTES, read_bytes, read_text
from radcalc.errors import InvalidInputError, RadcalcError

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client, LocalCluster
    from pandas import DataFrame

    from radcalc.plan import Plan

__all__ = [
    "COLUMNS",
    "COLUMN_TYPES",
    "EXIT_OK",
    "EXIT_FAIL",
    "EXIT_TASK_ERRORS",
    "CohortResult",
    "check_cohort",
    "evaluate_plan",
]

#: The columns of every row, in order, and their types (see the module docstring).
COLUMN_TYPES: Mapping[str, type] = {
    "plan": str,
    "patient": str,
    "kind": str,
    "set": str,
    "rule": str,
    "applies_to": str,
    "course": int,
    "metric": str,
    "status": str,
    "value": float,
    "limit": float,
    "comparator": str,
    "unit": str,
    "quantity": str,
    "alpha_beta": float,
    "ab_assumed": bool,
    "source": str,
    "detail": str,
    "error": str,
}
COLUMNS: tuple[str, ...] = tuple(COLUMN_TYPES)

#: Exit status of ``radcalc cohort``: every plan evaluated, no rule FAILs.
EXIT_OK = 0
#: Exit status of ``radcalc cohort``: every plan evaluated, a rule FAILs (as ``radcalc check``).
EXIT_FAIL = 3
#: Exit status of ``radcalc cohort``: at least one plan could not be evaluated (error rows).
EXIT_TASK_ERRORS = 5


def _row(plan: str, **cells: Any) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS)
    row.update(plan=plan, patient=Path(plan).stem, **cells)
    # An empty text is None, as it reads back from a CSV file.
    return {name: None if value == "" else value for name, value in row.items()}


def _metric_row(
    plan: str, organ: str, course: int, metric: str, value: float | None, source: str, detail: str
) -> dict[str, Any]:
    return _row(
        plan,
        kind="metric",
        applies_to=organ,
        course=course,
        metric=metric,
        value=value,
        unit="Gy",
        quantity="physical-dose",
        source=source,
        detail=detail,
    )


def _error_row(plan: str, exc: BaseException) -> dict[str, Any]:
    message = str(exc) or "no message"
    if not isinstance(exc, RadcalcError):
        message = f"internal error ({message}); please report this with the plan file"
    return _row(plan, kind="error", status="ERROR", error=f"{type(exc).__name__}: {message}")


# --- one plan -----------------------------------------------------------------


def _metric_rows(origin: str, plan: Plan) -> list[dict[str, Any]]:
    """One row per organ and course of a resolved plan (:func:`radcalc.plan.resolve_doses`):
    the dose that stands for the organ's max dose in that course, and where it came from."""
    rows = []
    for organ in plan.organs:
        for i, (course, dose) in enumerate(zip(plan.courses, organ.max_dose, strict=True)):
            file = course.rtdose or course.dvh_export
            rows.append(
                _metric_row(
                    origin,
                    organ.name,
                    i + 1,
                    organ.metric_text if file else "max_dose",
                    dose,
                    str(file) if file else "plan file",
                    organ.dose_sources[i] if organ.dose_sources else "typed in",
                )
            )
    return rows


def evaluate_plan(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The rows of one plan file: its check (one row per rule) and its organ metrics.

    Parameters
    ----------
    path : str or path-like
        A plan file (TOML, :mod:`radcalc.plan`); its courses may name DICOM
        files (``rtdose``/``rtstruct``), read here.

    Returns
    -------
    list of dict
        One dict per row with the keys of :data:`COLUMNS`: the rule rows of
        :func:`radcalc.check.check_plan` in its order, one metric row per
        organ and course, then one ``"note"`` row per note radcalc raised
        (a :class:`~radcalc.errors.RadcalcWarning`, e.g. a dose per fraction
        above 10 Gy; collected, not issued as a Python warning).

    Raises
    ------
    PlanFileError, InvalidInputError
        For a plan or DICOM file that cannot be read or evaluated
        (:func:`check_cohort` turns these into an error row).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "p1.toml"
    >>> _ = file.write_text('constraint_sets = ["li2024-npc-postop"]\\n'
    ...                     '[[course]]\\nschedule = "60/30"\\nintent = "postoperative"\\n')
    >>> row = evaluate_plan(file)[0]
    >>> row["patient"], row["kind"], row["rule"], row["status"], row["value"]
    ('p1', 'rule', 'eqd2-min', 'PASS', 60.0)
    """
    from radcalc._notes import collect_notes
    from radcalc.check import check_plan
    from radcalc.plan import load_plan

    file = Path(path).resolve()
    with collect_notes() as notes:  # per task, also when tasks share a worker's threads
        report = check_plan(load_plan(file))  # reads the courses' files, each once
    origin = str(file)
    rows = []
    for check in report.rows:
        cells = check.to_dict()
        rows.append(
            _row(
                origin,
                kind="rule",
                set=check.set_name,
                rule=check.rule_id,
                applies_to=check.applies_to,
                status=check.status,
                value=cells["value"],
                limit=check.limit,
                comparator=check.comparator,
                unit=check.unit,
                quantity=check.quantity,
                alpha_beta=check.alpha_beta,
                ab_assumed=check.alpha_beta_assumed,
                source=check.source,
                detail=check.detail,
            )
        )
    notes_rows = [_row(origin, kind="note", detail=note) for note in notes]
    return rows + _metric_rows(origin, report.plan) + notes_rows


def _plan_task(path: str) -> list[dict[str, Any]]:
    """One task: the plan's rows, or its one error row (never raises)."""
    try:
        return evaluate_plan(path)
    except Exception as exc:  # one patient's failure must not stop the cohort
        return [_error_row(path, exc)]


# --- the result -----------------------------------------------------------------


@dataclass(frozen=True)
class CohortResult:
    """The table of a cohort: rows (dicts with the keys of :data:`COLUMNS`) and counts.

    Attributes
    ----------
    rows : list of dict
        Every row, plans in the order given (rows resumed from ``out`` included).
    plans : tuple of str
        The plan files (absolute paths), in the order given.
    failed : int
        Plans that could not be evaluated (one error row each).
    resumed : int
        Plans skipped because ``out`` already held their rows.
    out : str or None
        The output file.
    """

    rows: list[dict[str, Any]]
    plans: tuple[str, ...]
    failed: int
    resumed: int = 0
    out: str | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The error rows (one per plan that could not be evaluated)."""
        return [row for row in self.rows if row["kind"] == "error"]

    @property
    def plans_with_fail(self) -> int:
        """Plans evaluated with at least one rule that FAILs."""
        return len({row["plan"] for row in self.rows if row["status"] == "FAIL"})

    @property
    def ok(self) -> bool:
        """True when every plan was evaluated and no rule FAILs."""
        return self.failed == 0 and self.plans_with_fail == 0

    @property
    def exit_status(self) -> int:
        """:data:`EXIT_TASK_ERRORS` if a plan failed, else :data:`EXIT_FAIL` if a rule
        FAILs, else :data:`EXIT_OK`."""
        if self.failed:
            return EXIT_TASK_ERRORS
        return EXIT_FAIL if self.plans_with_fail else EXIT_OK

    def summary(self) -> str:
        """One line: plans, evaluated, with a FAIL, failed."""
        done = len(self.plans) - self.failed
        text = (
            f"{len(self.plans)} plan(s): {done} evaluated ({self.plans_with_fail} with a rule "
            f"that FAILs), {self.failed} could not be evaluated"
        )
        if self.resumed:
            text += f"; {self.resumed} resumed from {self.out}"
        return text

    def to_pandas(self) -> DataFrame:
        """The rows as a pandas DataFrame with the columns of :data:`COLUMNS` (needs pandas)."""
        import pandas as pd

        frame = pd.DataFrame(self.rows, columns=list(COLUMNS))
        for name, kind in COLUMN_TYPES.items():
            if kind is int:
                frame[name] = frame[name].astype("Int64")
            elif kind is float:
                frame[name] = frame[name].astype("float64")
            elif kind is bool:
                frame[name] = frame[name].astype("boolean")
        return frame

    @property
    def frame(self) -> DataFrame:
        """Same as :meth:`to_pandas`."""
        return self.to_pandas()

    def _repr_html_(self) -> str:
        from radcalc._tables import html_table

        headers = ("PATIENT", "KIND", "STATUS", "RULE", "APPLIES TO", "VALUE", "DETAIL")
        cells = [
            (
                row["patient"],
                row["kind"],
                row["status"] or "",
                f"{row['set']}:{row['rule']}" if row["kind"] == "rule" else row["metric"] or "",
                row["applies_to"] or "",
                "" if row["value"] is None else f"{row['value']:.6g} {row['unit'] or ''}".strip(),
                row["error"] or row["detail"] or "",
            )
            for row in self.rows
        ]
        return html_table(self.summary(), headers, cells)


# --- output files ---------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _cell_value(name: str, text: str, where: str) -> Any:
    kind = COLUMN_TYPES[name]
    if text == "":
        return None
    try:
        if kind is bool:
            if text not in ("true", "false"):
                raise ValueError(text)
            return text == "true"
        if kind is float:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
        return kind(text)
    except ValueError:
        raise InvalidInputError(
            f"{where}, column {name!r}: expected {kind.__name__}, got {text!r}"
        ) from None


class _Sink:
    """Where the rows go as they complete: a CSV or Parquet file, or nowhere."""

    def __init__(self, out: Path | None, kept: list[dict[str, Any]]) -> None:
        self.out = out
        self.rows = list(kept)
        self.last_write = 0.0
        self.fd: int | None = None
        if out is None:
            return
        if out.suffix == ".csv":
            _replace(out, _csv_text(self.rows, header=True).encode("utf-8"))
            # Output, never input: each plan's rows are appended with one write().
            self.fd = os.open(out, os.O_WRONLY | os.O_APPEND)
        else:
            self._write_parquet()

    def add(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)
        if self.fd is not None:
            data = memoryview(_csv_text(rows, header=False).encode("utf-8"))
            while data:  # a regular file takes it all at once, short of a full disk
                data = data[os.write(self.fd, data) :]
        elif self.out is not None and time.monotonic() - self.last_write >= 1.0:
            self._write_parquet()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
        elif self.out is not None:
            self._write_parquet()

    def _write_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.out is None:  # only called with an out file
            raise InvalidInputError("cohort: Parquet output needs an out file")
        types = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
        schema = pa.schema([(name, types[kind]) for name, kind in COLUMN_TYPES.items()])
        table = pa.Table.from_pylist(self.rows, schema=schema)
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        _replace(self.out, buffer.getvalue())
        self.last_write = time.monotonic()


def _csv_text(rows: Iterable[Mapping[str, Any]], *, header: bool) -> str:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows([_cell_text(row[name]) for name in COLUMNS] for row in rows)
    return text.getvalue()


def _replace(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (a temporary file in its folder, then rename)."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _read_out(out: Path) -> list[dict[str, Any]]:
    """The rows of an existing output file (for ``resume``)."""
    if out.suffix == ".csv":
        reader = csv.reader(io.StringIO(read_text(out), newline=""))
        header = next(reader, None)
        if header is None:
            return []
        if tuple(header) != COLUMNS:
            raise InvalidInputError(
                f"{out}: not written by radcalc cohort (its columns are {', '.join(header)}); "
                "give another --out, or run without resume to replace it"
            )
        rows = []
        for cells in reader:
            number = reader.line_num
            if len(cells) != len(COLUMNS):
                raise InvalidInputError(
                    f"{out}, line {number}: {len(cells)} cells, expected {len(COLUMNS)}; "
                    "the file is damaged: run without resume to replace it"
                )
            where = f"{out}, line {number}"
            rows.append(
                {
                    name: _cell_value(name, text, where)
                    for name, text in zip(COLUMNS, cells, strict=True)
                }
            )
        return rows
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(read_bytes(out, max_bytes=MAX_BINARY_BYTES)))
    except pa.ArrowException as exc:
        raise InvalidInputError(f"{out}: not a Parquet file ({exc})") from None
    if tuple(table.column_names) != COLUMNS:
        raise InvalidInputError(
            f"{out}: not written by radcalc cohort (its columns are "
            f"{', '.join(table.column_names)}); give another out file, or run without resume"
        )
    return list(table.to_pylist())


def _out_path(out: str | os.PathLike[str] | None) -> Path | None:
    if out is None:
        return None
    file = Path(out)
    if file.suffix not in (".csv", ".parquet"):
        raise InvalidInputError(f"out must end in .csv or .parquet, got {str(file)!r}")
    if not file.parent.is_dir():
        raise InvalidInputError(
            f"out {str(file)!r}: the folder {str(file.parent)!r} does not exist"
        )
    return file


def _show_progress(progress: bool | None) -> bool:
    """``progress``, or by default: when stdout and stderr are both terminals.

    The bar goes to stderr; with stdout redirected (``--json > rows.json``, a
    pipeline) it stays quiet too, as the issue asks.
    """
    if progress is None:
        return all(
            bool(getattr(stream, "isatty", lambda: False)()) for stream in (sys.stdout, sys.stderr)
        )
    return bool(progress)


# --- the cohort -------------------------------------------------------------------


def check_cohort(
    paths: Sequence[str | os.PathLike[str]],
    *,
    client: Client | None = None,
    workers: int | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> CohortResult:
    """Check many plan files on dask.distributed: one task per plan, rows written as they complete.

    Parameters
    ----------
    paths : sequence of str or path-like
        The plan files (TOML; courses may name DICOM files). Each must be
        readable by the workers under the same path (a shared file system on a
        cluster); only the paths are sent to them.
    client : distributed.Client, optional
        A client of an existing cluster; left open. Without it a
        ``LocalCluster`` of ``workers`` processes (one thread each) is
        started and closed.
    workers : int, optional
        Worker processes of the local cluster (default: dask's choice, one per
        core). Not with ``client``.
    out : str or path-like, optional
        A ``.csv`` (rows appended and flushed per plan) or ``.parquet`` file
        (rewritten atomically at most once a second and at the end).
    resume : bool
        Skip the plans that already have rows (other than an error row) in
        ``out``, keep their rows; default False (``out`` is replaced).
    progress : bool, optional
        A progress bar on stderr (tqdm); default: when stdout and stderr are
        both terminals.

    Returns
    -------
    CohortResult
        ``.rows`` (plans in the order given; columns :data:`COLUMNS`),
        ``.failed``, ``.exit_status``, ``.to_pandas()``.

    Raises
    ------
    InvalidInputError
        For no plans, a plan listed twice, ``client`` with ``workers``, a bad
        ``workers`` or ``out``, or an ``out`` to resume that radcalc did not
        write. A plan that cannot be evaluated is not raised: it gets an error
        row.

    Notes
    -----
    A script that starts the local cluster must guard its entry point with
    ``if __name__ == "__main__":`` (the workers are new processes that import
    the script).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    plans = [str(Path(p).resolve()) for p in paths]
    if not plans:
        raise InvalidInputError("paths must name at least one plan file, got none")
    seen: set[str] = set()
    for plan in plans:
        if plan in seen:
            raise InvalidInputError(f"plan {plan!r} is listed twice")
        seen.add(plan)
    if client is not None and workers is not None:
        raise InvalidInputError("give client or workers, not both")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise InvalidInputError(f"workers must be an integer >= 1, got {workers!r}")
    file = _out_path(out)
    kept: list[dict[str, Any]] = []
    if resume and file is not None and file.exists():
        kept = [r for r in _read_out(file) if r["kind"] != "error" and r["plan"] in seen]
    done = {row["plan"] for row in kept}
    todo = [plan for plan in plans if plan not in done]
    order = {plan: i for i, plan in enumerate(plans)}
    sink = _Sink(file, kept)
    try:
        if todo:
            _run(todo, client, workers, sink.add, _show_progress(progress))
    finally:
        sink.rows.sort(key=lambda row: order[row["plan"]])  # stable: rows of a plan in order
        sink.close()
    rows = sink.rows
    return CohortResult(
        rows=rows,
        plans=tuple(plans),
        failed=len({row["plan"] for row in rows if row["kind"] == "error"}),
        resumed=len(plans) - len(todo),
        out=None if file is None else str(file),
    )


def _run(
    todo: list[str],
    client: Client | None,
    workers: int | None,
    add: Callable[[list[dict[str, Any]]], None],
    progress: bool,
) -> None:
    """Submit one task per plan and hand each plan's rows to ``add`` as it completes."""
    import uuid

    from distributed import Client, as_completed
    from tqdm import tqdm

    cluster = None
    own = client is None
    quiet = contextlib.ExitStack()
    if client is None:
        # distributed logs every start and stop of its scheduler, nannies and workers
        # at INFO level on stderr; for a cluster of our own, only its warnings are shown.
        quiet.enter_context(_logger_level("distributed", logging.WARNING))
        cluster = _local_cluster(workers)
        client = Client(cluster)
    try:
        batch = uuid.uuid4().hex
        futures = {
            client.submit(_plan_task, plan, key=f"radcalc-plan-{batch}-{i}", pure=False): plan
            for i, plan in enumerate(todo)
        }
        with tqdm(total=len(todo), unit="plan", file=sys.stderr, disable=not progress) as bar:
            for future in as_completed(futures):
                plan = futures[future]
                try:
                    rows = future.result()
                except Exception as exc:  # the task could not run (e.g. its worker died)
                    rows = [_error_row(plan, exc)]
                future.release()
                add(rows)
                bar.update(1)
    finally:
        with quiet:
            if own:
                client.close()
                if cluster is not None:
                    cluster.close()


def _local_cluster(workers: int | None) -> LocalCluster:
    """The cluster of a run without a client: ``workers`` processes of one thread each."""
    from distributed import LocalCluster

    # ":0": any free port for the dashboard (never a clash with a running one).
    return LocalCluster(
        n_workers=workers,
        processes=True,
        threads_per_worker=1,
        dashboard_address=":0",
        silence_logs=logging.WARNING,
    )


@contextlib.contextmanager
def _logger_level(name: str, level: int) -> Iterator[None]:
    """Raise a logger's level (never lower it) for the duration of the block."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(previous)
