"""radcalc.cohort and ``radcalc cohort``: plan files checked on dask.distributed.

One LocalCluster (2 worker processes, one thread each) serves the whole module;
the cohort is synthetic (tests/cohort_factory.py: 2 courses of RT Dose + RT
Structure Set per patient, written with pydicom).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("pydicom")
pytest.importorskip("pyarrow")

from click.testing import CliRunner  # noqa: E402
from cohort_factory import write_cohort  # noqa: E402

from radcalc.cli import main  # noqa: E402
from radcalc.cohort import (  # noqa: E402
    COLUMNS,
    EXIT_FAIL,
    EXIT_TASK_ERRORS,
    check_cohort,
    evaluate_plan,
)
from radcalc.errors import InvalidInputError, PlanFileError  # noqa: E402

COURSE1_FILES = (
    'rtdose = "patient001/course1_rtdose.dcm"\nrtstruct = "patient001/course1_rtstruct.dcm"'
)
EXAMPLE_PLAN = Path(__file__).resolve().parents[1] / "examples" / "plans" / "npc_reirradiation.toml"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A client of one LocalCluster of 2 processes for the whole module."""
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four synthetic patients (plan files), written once."""
    return write_cohort(tmp_path_factory.mktemp("cohort"), 4)


@pytest.fixture(scope="module")
def serial(cohort: list[Path]) -> list[dict[str, Any]]:
    """The rows of the serial loop over the cohort."""
    return [row for plan in cohort for row in evaluate_plan(plan)]


def _copy(cohort: list[Path], folder: Path) -> list[Path]:
    """The cohort copied into ``folder`` (plans and their DICOM folders)."""
    for plan in cohort:
        shutil.copy(plan, folder / plan.name)
        shutil.copytree(plan.with_suffix(""), folder / plan.stem)
    return [folder / plan.name for plan in cohort]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- one plan -----------------------------------------------------------------


def test_evaluate_plan_rows_from_dicom_courses(cohort: list[Path]) -> None:
    rows = evaluate_plan(cohort[0])
    assert all(tuple(row) == COLUMNS for row in rows)
    assert {row["plan"] for row in rows} == {str(cohort[0].resolve())}
    assert {row["patient"] for row in rows} == {"patient001"}
    metrics = [row for row in rows if row["kind"] == "metric"]
    assert [(r["applies_to"], r["course"], r["metric"]) for r in metrics] == [
        ("spinal cord", 1, "Dmax"),
        ("spinal cord", 2, "Dmax"),
        ("brainstem", 1, "D0.03cc"),
        ("brainstem", 2, "D0.03cc"),
    ]
    assert "of ROI 'SpinalCord' from" in metrics[0]["detail"]  # matched through TG-263
    assert metrics[0]["source"].endswith("course1_rtdose.dcm")
    cord = next(r for r in rows if r["rule"] == "cumulative-bed")
    # the check reads the metrics of the files: Dmax of both courses in its detail
    assert f"Dmax {metrics[0]['value']:.6g} + {metrics[1]['value']:.6g} Gy" in cord["detail"]
    assert cord["status"] == "PASS" and cord["unit"] == "Gy"


def test_evaluate_plan_typed_in_doses() -> None:
    rows = evaluate_plan(EXAMPLE_PLAN)
    metrics = [row for row in rows if row["kind"] == "metric"]
    assert [(r["course"], r["metric"], r["value"], r["source"]) for r in metrics] == [
        (1, "max_dose", 45.0, "plan file"),
        (2, "max_dose", 20.0, "plan file"),
    ]
    assert any(row["kind"] == "rule" and row["status"] == "PASS" for row in rows)


def test_notes_become_rows(tmp_path: Path) -> None:
    plan = tmp_path / "sbrt.toml"
    plan.write_text(
        'constraint_sets = ["nieder2006-cord"]\n'
        '[[course]]\nschedule = "50/25"\ninterval_to_next = "24m"\n'
        '[[course]]\nschedule = "24/2"\n'
        '[[organ]]\nname = "spinal cord"\nmax_dose = [40.0, 24.0]\n',
        encoding="utf-8",
    )
    rows = evaluate_plan(plan)  # no Python warning (they are errors in this suite)
    notes = [row for row in rows if row["kind"] == "note"]
    assert len(notes) == 1 and "above 10 Gy" in notes[0]["detail"]
    assert rows[-1] is notes[0]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        pytest.param(
            ('name = "brainstem"\nstructure = "Brainstem"', 'name = "optic chiasm"'),
            r"no ROI matches organ 'optic chiasm' .* the ROI names are 'SpinalCord', "
            r"'Brainstem'; give structure = ",
            id="organ-without-roi",
        ),
        pytest.param(
            ('structure = "Brainstem"', 'structure = "BrainStem_X"'),
            r"no structure named 'BrainStem_X'|BrainStem_X",
            id="unknown-structure",
        ),
        pytest.param(
            ('rtstruct = "patient001/course2_rtstruct.dcm"', 'dvh_export = "x.txt"'),
            r"key 'dvh_export': file '.*x\.txt' not found",
            id="dvh-export-missing",
        ),
        pytest.param(
            ('rtstruct = "patient001/course1_rtstruct.dcm"', ""),
            "rtdose and rtstruct go together",
            id="rtdose-without-rtstruct",
        ),
        pytest.param(
            ("course1_rtdose.dcm", "missing.dcm"),
            r"key 'rtdose': file '.*missing\.dcm' not found",
            id="missing-dicom-file",
        ),
        pytest.param(("[[course]]", "[[course"), "p.toml", id="not-toml"),
        pytest.param(
            ('metric = "D0.03cc"', 'metric = "Dfoo"'),
            r"p\.toml: \[\[organ\]\] #2 \('brainstem'\), key 'metric': DVH metric 'Dfoo'",
            id="unknown-metric",
        ),
        pytest.param(
            ('metric = "D0.03cc"', "metric = 3"),
            r"\('brainstem'\), key 'metric': expected a non-empty string, got 3",
            id="metric-not-a-string",
        ),
        pytest.param(
            (COURSE1_FILES, ""),
            r"\[\[organ\]\] #1 \('spinal cord'\), key 'max_dose': missing",
            id="typed-in-course-without-max-dose",
        ),
        pytest.param(
            ('name = "spinal cord"', 'name = "spinal cord"\nvolume = 3'),
            r"\[\[organ\]\] #1, key 'volume': unknown key",
            id="unknown-organ-key",
        ),
    ],
)
def test_evaluate_plan_errors(
    cohort: list[Path], tmp_path: Path, edit: tuple[str, str], match: str
) -> None:
    plan = _copy(cohort[:1], tmp_path)[0]
    bad = tmp_path / "p.toml"
    bad.write_text(plan.read_text(encoding="utf-8").replace(*edit, 1), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=match):
        evaluate_plan(bad)


def test_evaluate_plan_course_with_files_after_a_typed_in_one(
    cohort: list[Path], tmp_path: Path
) -> None:
    plan = _copy(cohort[:1], tmp_path)[0]
    text = plan.read_text(encoding="utf-8")
    text = text.replace(COURSE1_FILES, "").replace(
        "alpha_beta = 2\n", 'alpha_beta = 2\nmax_dose = [41.5, "file"]\n'
    )
    plan.write_text(text, encoding="utf-8")
    rows = evaluate_plan(plan)
    metrics = [(r["applies_to"], r["course"], r["metric"], r["source"]) for r in rows]
    metrics = [m for m, r in zip(metrics, rows, strict=True) if r["kind"] == "metric"]
    assert [m[:3] for m in metrics] == [
        ("spinal cord", 1, "max_dose"),
        ("spinal cord", 2, "Dmax"),
        ("brainstem", 1, "max_dose"),
        ("brainstem", 2, "D0.03cc"),
    ]
    assert metrics[0][3] == "plan file" and metrics[1][3].endswith("course2_rtdose.dcm")
    cord = next(r for r in rows if r["rule"] == "cumulative-bed")
    assert "Dmax 41.5 + " in cord["detail"]


def test_evaluate_plan_refuses_files_of_two_frames(cohort: list[Path], tmp_path: Path) -> None:
    from rtstruct_factory import circle, write_rtstruct_file

    plan = _copy(cohort[:1], tmp_path)[0]
    write_rtstruct_file(
        tmp_path / "patient001" / "course2_rtstruct.dcm",
        [(1, "SpinalCord", [circle(0, 0, 0, 4)]), (2, "Brainstem", [circle(5, 0, 0, 4)])],
        frame_of_reference_uid="1.2.3.4",
    )
    with pytest.raises(
        PlanFileError, match=r"#2, key 'rtstruct': .* in frame of reference 1\.2\.3\.4"
    ):
        evaluate_plan(plan)


def test_a_task_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    import radcalc.cohort as cohort

    def broken(path: str) -> list[dict[str, Any]]:
        raise RuntimeError("boom")

    monkeypatch.setattr(cohort, "evaluate_plan", broken)
    [row] = cohort._plan_task("/p/x.toml")
    assert (row["plan"], row["patient"], row["kind"], row["status"]) == (
        "/p/x.toml",
        "x",
        "error",
        "ERROR",
    )
    assert row["error"] == (
        "RuntimeError: internal error (boom); please report this with the plan file"
    )


def test_csv_rows_are_on_disk_when_a_plan_completes(tmp_path: Path) -> None:
    from radcalc.cohort import _row, _Sink

    out = tmp_path / "r.csv"
    sink = _Sink(out, [])
    try:
        sink.add([_row("/p/a.toml", kind="metric", value=1.5, course=1)])
        written = _read_csv(out)  # before close: nothing waits in a buffer
    finally:
        sink.close()
    assert [(r["plan"], r["value"], r["course"], r["status"]) for r in written] == [
        ("/p/a.toml", "1.5", "1", "")
    ]


# --- the cohort on the cluster -----------------------------------------------------


def test_same_rows_as_the_serial_loop(
    client: Any, cohort: list[Path], serial: list[dict[str, Any]]
) -> None:
    result = check_cohort(cohort, client=client, progress=False)
    assert result.rows == serial
    assert result.failed == 0 and result.ok and result.exit_status == 0
    assert result.plans == tuple(str(p.resolve()) for p in cohort)
    frame = result.to_pandas()
    assert list(frame.columns) == list(COLUMNS) and len(frame) == len(serial)
    assert str(frame["course"].dtype) == "Int64" and str(frame["value"].dtype) == "float64"
    assert "4 plan(s): 4 evaluated (0 with a rule that FAILs)" in result._repr_html_()


def test_bad_plans_get_one_error_row_each(
    client: Any, cohort: list[Path], serial: list[dict[str, Any]], tmp_path: Path
) -> None:
    plans = _copy(cohort, tmp_path)
    plans[1].write_text("constraint_sets = [\n", encoding="utf-8")  # corrupted plan
    (tmp_path / "patient003" / "course2_rtdose.dcm").unlink()  # missing DICOM file
    missing = tmp_path / "nobody.toml"
    result = check_cohort([*plans, missing], client=client, progress=False)
    errors = result.errors
    assert [Path(row["plan"]).name for row in errors] == [
        "patient002.toml",
        "patient003.toml",
        "nobody.toml",
    ]
    assert (
        errors[0]["error"].startswith("PlanFileError: ")
        and "patient002.toml" in (errors[0]["error"])
    )
    assert re.search(r"course2_rtdose\.dcm' not found", errors[1]["error"])
    assert "nobody.toml: cannot read the file" in errors[2]["error"]
    assert all(row["status"] == "ERROR" and row["value"] is None for row in errors)
    assert result.failed == 3 and result.exit_status == EXIT_TASK_ERRORS
    good = [row for row in result.rows if row["kind"] != "error"]
    expected = [row for row in serial if row["patient"] in ("patient001", "patient004")]
    assert [{**r, "plan": None, "source": None} for r in good] == [
        {**r, "plan": None, "source": None} for r in expected
    ]


def test_csv_written_per_plan_and_resume_skips_done_plans(
    client: Any, cohort: list[Path], serial: list[dict[str, Any]], tmp_path: Path
) -> None:
    plans = _copy(cohort, tmp_path)
    out = tmp_path / "results.csv"
    first = check_cohort(plans[:2], client=client, out=out, progress=False)
    assert first.out == str(out)
    written = _read_csv(out)
    assert list(written[0]) == list(COLUMNS)
    assert len(written) == len(first.rows)
    # A plan already done is not read again: breaking it now changes nothing.
    plans[0].write_text("broken", encoding="utf-8")
    plans[3].unlink()  # ... while a plan not done yet fails
    second = check_cohort(plans, client=client, out=out, resume=True, progress=False)
    assert second.resumed == 2 and second.failed == 1
    assert second.rows[: len(first.rows)] == first.rows  # read back with their types
    assert [Path(row["plan"]).name for row in second.errors] == ["patient004.toml"]
    # The error row is retried on the next resume (and replaced).
    shutil.copy(cohort[3], plans[3])
    third = check_cohort(plans, client=client, out=out, resume=True, progress=False)
    assert third.resumed == 3 and third.failed == 0
    strip = [{**r, "plan": None, "source": None} for r in serial]
    assert [{**r, "plan": None, "source": None} for r in third.rows] == strip
    assert len(_read_csv(out)) == len(serial)


def test_resume_reads_back_text_with_newlines_and_quotes(client: Any, tmp_path: Path) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text(
        'title = "a"\nconstraint_sets = ["nieder2006-cord"]\n'
        '[[course]]\nschedule = "60/30"\n'
        '[[organ]]\nname = "Spinal, \\"cord\\"\\nsecond line"\nmax_dose = [40.0]\n',
        encoding="utf-8",
    )
    out = tmp_path / "r.csv"
    first = check_cohort([plan], client=client, out=out, progress=False)
    assert any("\n" in (row["applies_to"] or "") for row in first.rows)
    again = check_cohort([plan], client=client, out=out, resume=True, progress=False)
    assert again.resumed == 1 and again.rows == first.rows


def test_parquet_output_and_resume(
    client: Any, cohort: list[Path], serial: list[dict[str, Any]], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "results.parquet"
    first = check_cohort(cohort[:3], client=client, out=out, progress=False)
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert table.to_pylist() == first.rows
    second = check_cohort(cohort, client=client, out=out, resume=True, progress=False)
    assert second.resumed == 3 and second.rows == serial
    assert pq.read_table(out).to_pylist() == serial


def test_progress_bar_on_stderr(
    client: Any, cohort: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    check_cohort(cohort[:1], client=client, progress=True)
    assert "1/1" in capsys.readouterr().err
    check_cohort(cohort[:1], client=client)  # stderr is not a terminal here: no bar
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        pytest.param({"paths": []}, "at least one plan file", id="no-plans"),
        pytest.param({"paths": ["a.toml", "./a.toml"]}, "listed twice", id="plan-twice"),
        pytest.param({"workers": 0}, r"workers must be an integer >= 1, got 0", id="workers-0"),
        pytest.param({"workers": 2, "client": object()}, "client or workers", id="both"),
        pytest.param({"out": "r.txt"}, r"out must end in \.csv or \.parquet", id="out-suffix"),
        pytest.param({"out": "no/such/r.csv"}, "does not exist", id="out-folder"),
    ],
)
def test_invalid_calls(
    kwargs: dict[str, Any], match: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    paths = kwargs.pop("paths", ["a.toml"])
    with pytest.raises(InvalidInputError, match=match):
        check_cohort(paths, **kwargs)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        pytest.param("r.csv", "a,b\n1,2\n", "not written by radcalc cohort", id="csv-columns"),
        pytest.param("r.csv", ",".join(COLUMNS) + "\n1,2\n", "line 2: 2 cells", id="csv-damaged"),
        pytest.param("r.parquet", "not parquet", "not a Parquet file", id="parquet"),
    ],
)
def test_resume_refuses_a_foreign_out_file(
    tmp_path: Path, name: str, content: str, match: str
) -> None:
    out = tmp_path / name
    out.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError, match=match):
        check_cohort([tmp_path / "a.toml"], out=out, resume=True)
    assert out.read_text(encoding="utf-8") == content  # left as it was


# --- the command ----------------------------------------------------------------


def test_cli_on_the_fixture_cluster(client: Any, cohort: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    args = ["cohort", *map(str, cohort), "--scheduler", client.scheduler.address]
    result = CliRunner().invoke(main, [*args, "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("OK       ") and "patient001.toml: 0 FAIL, " in lines[0]
    assert lines[-1] == (
        "4 plan(s): 4 evaluated (0 with a rule that FAILs), 0 could not be evaluated."
    )
    assert out.is_file()
    again = CliRunner().invoke(main, [*args, "--out", str(out), "--resume", "--json"])
    assert again.exit_code == 0, again.output
    data = json.loads(again.output)
    assert (data["plans"], data["resumed"], data["failed"], data["exit_status"]) == (4, 4, 0, 0)
    assert data["columns"] == list(COLUMNS) and len(data["rows"]) == len(_read_csv(out))


def test_cli_exit_status_fail(client: Any, cohort: list[Path], tmp_path: Path) -> None:
    plan = _copy(cohort[:1], tmp_path)[0]
    plan.write_text(
        plan.read_text(encoding="utf-8").replace('"65/54 bid"', '"60/27"'), encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["cohort", str(plan), "--scheduler", client.scheduler.address]
    )
    assert result.exit_code == EXIT_FAIL, result.output
    assert result.output.startswith("NOT OK   ")


def test_cli_local_cluster_and_failed_plans(cohort: list[Path], tmp_path: Path) -> None:
    missing = tmp_path / "nobody.toml"
    result = CliRunner().invoke(main, ["cohort", str(cohort[0]), str(missing), "--workers", "1"])
    assert result.exit_code == EXIT_TASK_ERRORS, result.output
    assert f"ERROR    {missing}: PlanFileError: {missing}: cannot read the file" in result.output
    assert "Error: 1 of 2 plan(s) could not be evaluated (their error rows say why)" in (
        result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "match"),
    [
        pytest.param(
            ["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
            "Error: give --scheduler or --workers, not both",
            id="scheduler-and-workers",
        ),
        pytest.param(["--resume"], "Error: --resume needs --out", id="resume-without-out"),
        pytest.param(["--out", "r.txt"], r"Error: out must end in \.csv", id="out-suffix"),
        pytest.param(["--workers", "0"], "Invalid value for '--workers'", id="workers-0"),
    ],
)
def test_cli_invalid_options(args: list[str], match: str) -> None:
    result = CliRunner().invoke(main, ["cohort", "a.toml", *args])
    assert result.exit_code in (1, 2), result.output
    assert pytest.importorskip("re").search(match, result.output), result.output


def test_cli_needs_a_plan() -> None:
    result = CliRunner().invoke(main, ["cohort"])
    assert result.exit_code == 2 and "Missing argument" in result.output


def test_other_commands_never_import_dask_or_pandas() -> None:
    code = (
        "import sys, radcalc, radcalc.cli\n"
        "from click.testing import CliRunner\n"
        "r = CliRunner().invoke(radcalc.cli.main, ['eqd2', '--dose', '70', '--fx', '35', "
        "'--ab', '3'])\n"
        "assert r.exit_code == 0, r.output\n"
        "import radcalc.cohort\n"
        "heavy = [m for m in ('dask', 'distributed', 'pandas', 'pyarrow', 'tqdm') "
        "if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "assert 'cohort' in radcalc.cli.main.list_commands(None)\n"
        "assert radcalc.check_cohort is radcalc.cohort.check_cohort\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_progress_bar_only_when_stdout_and_stderr_are_terminals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 12: the bar is quiet with --quiet and when stdout is not a terminal.
    from radcalc import cohort

    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    for out_tty, err_tty, shown in [(True, True, True), (False, True, False), (True, False, False)]:
        monkeypatch.setattr(sys, "stdout", Stream(out_tty))
        monkeypatch.setattr(sys, "stderr", Stream(err_tty))
        assert cohort._show_progress(None) is shown
        assert cohort._show_progress(False) is False
