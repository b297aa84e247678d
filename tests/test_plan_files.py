"""Plan files whose courses name DICOM files (issue 9): organ doses from DVHs.

Phantoms: a cylinder of radius 5 mm, 14 mm long (contours every 2 mm from
-6 to 6 mm, half-slice end-caps) on 2-mm voxels. On a uniform dose its DVH is
a step, so every dose metric equals the dose (closed form); on the linear dose
30 Gy + 1 Gy/mm x its Dmax is 35 Gy (within half a voxel's dose step, 1 Gy).
α/β values and fractions here are examples for the tests, not recommendations.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

pytest.importorskip("pydicom")

from dicom_rtdose_factory import write_rtdose_file
from rtstruct_factory import circle, disc_contours, write_linear_rtdose, write_rtstruct_file

from radcalc import lq
from radcalc.check import check_plan
from radcalc.cli import main
from radcalc.dosevolume.histogram import DVH, dvh
from radcalc.errors import InvalidInputError, PlanFileError
from radcalc.plan import (
    PlanCourse,
    PlanOrgan,
    load_plan,
    match_structure,
    max_dose_metric,
    parse_plan,
    resolve_doses,
)
from radcalc.schedules import parse_schedule

CYLINDER = disc_contours(lambda z: 5.0, (-6, 6), 2.0)
ROIS = [
    (1, "PTV", [circle(0, 0, z, 3) for z in (-2.0, 0.0, 2.0)]),
    (2, "SpinalCord", CYLINDER),
    (3, "SpinalCord_PRV05", disc_contours(lambda z: 7.0, (-8, 8), 2.0)),
    (4, "OpticNrv_L", [circle(-5, 0, 0, 2)]),
    (5, "OpticNrv_R", [circle(5, 0, 0, 2)]),
]


def uniform_rtdose(path: Path, gy: float) -> Path:
    return write_rtdose_file(
        path,
        shape=(13, 13, 13),
        spacing_mm=(2.0, 2.0, 2.0),
        origin_mm=(-12.0, -12.0, -12.0),
        base=gy,
        gradient=(0.0, 0.0, 0.0),
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """c1/ (uniform 20 Gy), c2/ (uniform 10 Gy), lin/ (30 Gy + 1 Gy/mm x), one RS each."""
    root = tmp_path_factory.mktemp("template")
    for name, gy in (("c1", 20.0), ("c2", 10.0)):
        (root / name).mkdir()
        uniform_rtdose(root / name / "RD.dcm", gy)
        write_rtstruct_file(root / name / "RS.dcm", ROIS)
    (root / "lin").mkdir()
    write_linear_rtdose(root / "lin" / "RD.dcm")
    write_rtstruct_file(root / "lin" / "RS.dcm", ROIS)
    return root


@pytest.fixture
def folder(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template files (tests may overwrite them)."""
    shutil.copytree(template, tmp_path / "plan")
    return tmp_path / "plan"


def write_plan(folder: Path, text: str, sets: str = '["nieder2006-cord"]') -> Path:
    plan = folder / "plan.toml"
    plan.write_text(f"constraint_sets = {sets}\n{text}", encoding="utf-8")
    return plan


TWO_FILE_COURSES = """
[[course]]
schedule = "40/20"
interval_to_next = "24m"
rtdose = "c1/RD.dcm"
rtstruct = "c1/RS.dcm"

[[course]]
schedule = "20/10"
rtdose = "c2/RD.dcm"
rtstruct = "c2/RS.dcm"

[[organ]]
name = "spinal cord"
"""

TYPED_IN = """
[[course]]
schedule = "40/20"
interval_to_next = "24m"

[[course]]
schedule = "20/10"

[[organ]]
name = "spinal cord"
max_dose = [20.0, 10.0]
"""


def test_uniform_phantom_gives_the_typed_in_numbers(folder: Path) -> None:
    plan = load_plan(write_plan(folder, TWO_FILE_COURSES))
    assert plan.organs[0].max_dose == (None, None) and plan.has_files
    resolved = resolve_doses(plan)
    np.testing.assert_allclose(resolved.organs[0].max_dose, (20.0, 10.0), rtol=1e-7)
    sources = resolved.organs[0].dose_sources
    assert sources[0] == "Dmax 20.00 Gy of ROI 'SpinalCord' from c1/RS.dcm on c1/RD.dcm"
    from_files = check_plan(plan)
    typed = check_plan(write_plan(folder, TYPED_IN))
    for a, b in zip(from_files.rows, typed.rows, strict=True):
        assert (a.rule_id, a.status) == (b.rule_id, b.status)
        if b.value is not None:
            assert a.value == pytest.approx(b.value, rel=1e-7)
    # BED (α/β 2) of 20 Gy in 20 fx + 10 Gy in 10 fx, no recovery (Nieder 2006 rule's α/β)
    expected = float(lq.bed(20.0, 20, alpha_beta=2) + lq.bed(10.0, 10, alpha_beta=2))
    row = next(r for r in from_files.rows if r.rule_id == "cumulative-bed")
    assert row.value == pytest.approx(expected, rel=1e-7)
    assert "per-structure sum of each course's metric" in row.detail
    assert row.metric == "Dmax"
    text = from_files.text(1000)
    assert "dose per course: #1 Dmax 20.00 Gy of ROI 'SpinalCord' from c1/RS.dcm" in text
    assert from_files.to_dict()["organs"][0]["doses"] == list(sources)


def test_mixed_typed_in_and_file_courses(folder: Path) -> None:
    text = TWO_FILE_COURSES.replace('rtdose = "c1/RD.dcm"\nrtstruct = "c1/RS.dcm"\n', "").replace(
        'name = "spinal cord"', 'name = "spinal cord"\nmax_dose = [45.0, "file"]'
    )
    resolved = resolve_doses(load_plan(write_plan(folder, text)))
    organ = resolved.organs[0]
    assert organ.max_dose[0] == 45.0
    assert organ.max_dose[1] == pytest.approx(10.0, rel=1e-7)
    assert organ.dose_sources[0] == "Dmax 45 Gy typed in"


def test_metric_and_structure_on_a_linear_dose(folder: Path) -> None:
    text = """
[[course]]
schedule = "30/10"
rtdose = "lin/RD.dcm"
rtstruct = "lin/RS.dcm"

[[organ]]
name = "cord"
structure = "spinalcord"
metric = "d0.03cc"
"""
    organ = resolve_doses(load_plan(write_plan(folder, text))).organs[0]
    assert organ.metric == "D0.03cc"
    from radcalc.dicom.rtdose import read_rtdose
    from radcalc.dicom.rtstruct import read_rtstruct

    h = dvh(read_rtdose(folder / "lin/RD.dcm"), read_rtstruct(folder / "lin/RS.dcm")["SpinalCord"])
    assert organ.max_dose[0] == h.metric("D0.03cc")
    dmax = resolve_doses(
        load_plan(write_plan(folder, text.replace('metric = "d0.03cc"\n', "")))
    ).organs[0]
    assert abs(dmax.max_dose[0] - 35.0) <= 1.0  # half a voxel's dose step (2 mm x 1 Gy/mm / 2)
    assert organ.max_dose[0] < dmax.max_dose[0]


def test_load_plan_does_not_import_pydicom(folder: Path) -> None:
    plan = write_plan(folder, TWO_FILE_COURSES)
    code = (
        "import sys; from radcalc.plan import load_plan; "
        f"p = load_plan({str(plan)!r}); print(p.has_files, 'pydicom' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_cli_check_of_a_file_plan(folder: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(write_plan(folder, TWO_FILE_COURSES))])
    assert result.exit_code == 0, result.output
    assert "dose per course" in result.output and "c2/RD.dcm" in result.output
    bad = write_plan(folder, TWO_FILE_COURSES.replace('name = "spinal cord"', 'name = "brainstem"'))
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
    assert "'PTV', 'SpinalCord'" in result.output


def test_match_structure() -> None:
    names = ("PTV", "SpinalCord", "SpinalCord_PRV05", "zSpinalCord", "Cord~")
    assert match_structure("spinal cord", names) == "SpinalCord"
    assert match_structure("Spinal_Cord", names) == "SpinalCord"
    assert match_structure("cord", ("Cord", "SpinalCord")) == "Cord"  # the exact name first
    assert match_structure("cord_prv05", names) == "SpinalCord_PRV05"
    assert match_structure("x", names, structure="ptv") == "PTV"


# --- rules stated on a DVH metric ---------------------------------------------------------

METRIC_SET = """format = "radcalc-constraints-1"
name = "test-metric"
title = "A rule on D0.03cc (numbers for the test only)"
[source]
label = "test"
journal = "none"
year = 2024
table_page = "none"
status = "verified"
[[rule]]
id = "cord-d003cc"
applies_to = "spinal cord"
quantity = "cumulative-eqd2"
metric = "D0.03cc"
comparator = "<="
limit = 100.0
unit = "Gy"
alpha_beta = 2.0
alpha_beta_assumed = false
severity = "violation"
kind = "recommended-limit"
quote = "a test rule"
verbatim = false
"""


def test_rule_on_a_metric_typed_in_is_not_evaluated(folder: Path) -> None:
    (folder / "metric.toml").write_text(METRIC_SET, encoding="utf-8")
    report = check_plan(write_plan(folder, TYPED_IN, sets='["metric.toml"]'))
    (row,) = report.rows
    assert row.status == "N/A" and not row.evaluated
    assert "stated on D0.03cc, but for course(s) #1, #2 the plan gives only" in row.detail


def test_rule_on_a_metric_from_files(folder: Path) -> None:
    (folder / "metric.toml").write_text(METRIC_SET, encoding="utf-8")
    report = check_plan(write_plan(folder, TWO_FILE_COURSES, sets='["metric.toml"]'))
    (row,) = report.rows
    expected = float(lq.eqd2(20.0, 20, alpha_beta=2) + lq.eqd2(10.0, 10, alpha_beta=2))
    assert row.status == "PASS" and row.value == pytest.approx(expected, rel=1e-7)
    assert "D0.03cc 20 + 10 Gy" in row.detail
    assert row.metric == "D0.03cc" and row.to_dict()["metric"] == "D0.03cc"
    # typed in as D0.03cc: the organ's metric is the rule's, so the rule reads it
    typed = TYPED_IN.replace("max_dose", 'metric = "D0.03cc"\nmax_dose')
    (row,) = check_plan(write_plan(folder, typed, sets='["metric.toml"]')).rows
    assert row.status == "PASS" and row.value == pytest.approx(expected, rel=1e-12)


def test_rule_metric_schema() -> None:
    from radcalc.constraints import load_constraint_set, parse_constraint_set
    from radcalc.errors import ConstraintSetError

    def with_rule(**changes: Any) -> dict[str, Any]:
        import tomllib

        data = tomllib.loads(METRIC_SET)
        data["rule"][0].update(changes)
        data["rule"][0] = {k: v for k, v in data["rule"][0].items() if v is not None}
        return data

    assert parse_constraint_set(with_rule(metric="d2 cc")).rules[0].metric == "D2cc"
    with pytest.raises(ConstraintSetError, match=r"key 'metric'.*EQD2 of a mean dose"):
        parse_constraint_set(with_rule(metric="Dmean"))
    with pytest.raises(ConstraintSetError, match=r"key 'metric': only for organ rules"):
        parse_constraint_set(
            with_rule(
                quantity="interval-since-previous",
                unit="months",
                alpha_beta=None,
                alpha_beta_assumed=None,
            )
        )
    assert all(r.metric is None for r in load_constraint_set("nieder2006-cord").rules)


# --- DVH exports of planning systems (issue 13) ----------------------------------------------


def test_dvh_export_course(folder: Path) -> None:
    # An Eclipse export (cp1252, CRLF, cGy, % volumes) of a step DVH: 18 Gy to the
    # whole cord, so every dose metric is 18 Gy (closed form, within one 0.1 Gy bin).
    from dvh_export_writers import write_eclipse

    cord = DVH.from_voxels([18.0, 18.0], [0.5, 0.5], name="Spinal Cord")
    ptv = DVH.from_voxels([20.0, 20.0], [5.0, 5.0], name="PTV")
    write_eclipse(folder / "export.txt", [ptv, cord])
    text = (
        '[[course]]\nschedule = "20/10"\ndvh_export = "export.txt"\n'
        '[[organ]]\nname = "cord"\nmetric = "D0.03cc"\n'
    )
    organ = resolve_doses(load_plan(write_plan(folder, text))).organs[0]
    assert organ.max_dose[0] == pytest.approx(18.0, abs=0.1)
    assert organ.dose_sources[0] == (
        f"D0.03cc {organ.max_dose[0]:.2f} Gy of ROI 'Spinal Cord' from DVH export export.txt"
    )
    result = CliRunner().invoke(main, ["check", str(folder / "plan.toml"), "--json"])
    assert result.exit_code == 0, result.output
    assert "from DVH export export.txt" in result.output


def test_dvh_export_course_of_the_wrong_plan(folder: Path) -> None:
    # A RayStation export whose header names 20 fractions, for a course of 10.
    from dvh_export_writers import write_raystation

    cord = DVH.from_voxels([18.0, 18.0], [0.5, 0.5], name="Spinal Cord")
    path = write_raystation(folder / "export.txt", [cord])
    text = path.read_text(encoding="utf-8").replace("#Dosename:", "#Fractions: 20\n#Dosename:")
    path.write_text(text, encoding="utf-8")
    plan = '[[course]]\nschedule = "20/10"\ndvh_export = "export.txt"\n[[organ]]\nname = "cord"\n'
    with pytest.raises(PlanFileError, match=r"a plan of 20 fractions but the course's schedule"):
        resolve_doses(load_plan(write_plan(folder, plan)))
    missing = plan.replace("export.txt", "nowhere.txt")
    with pytest.raises(InvalidInputError, match=r"nowhere.txt"):
        resolve_doses(load_plan(write_plan(folder, missing)))


# --- invalid plans and files ---------------------------------------------------------------

COURSE = '[[course]]\nschedule = "20/10"\n'
FILES = 'rtdose = "c2/RD.dcm"\nrtstruct = "c2/RS.dcm"\n'

INVALID = [
    pytest.param(
        COURSE + 'rtdose = "c2/RD.dcm"\n',
        r"key 'rtstruct': missing: rtdose and rtstruct go together",
        id="rtdose-alone",
    ),
    pytest.param(
        COURSE + 'rtdose = "nope.dcm"\nrtstruct = "c2/RS.dcm"\n',
        r"key 'rtdose': file '.*nope.dcm' not found",
        id="missing-file",
    ),
    pytest.param(
        COURSE + FILES + 'dvh_export = "c2/RS.dcm"\n',
        r"key 'dvh_export': give either rtdose and rtstruct or dvh_export",
        id="both-kinds",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmax_dose = [10.0]\n',
        r"entry 1 is a number \(10 Gy\) but \[\[course\]\] #1 names files",
        id="number-for-files",
    ),
    pytest.param(
        COURSE + '[[organ]]\nname = "cord"\nmax_dose = ["file"]\n',
        r"key 'max_dose': item 0 .*expected a number",
        id="file-without-files",
    ),
    pytest.param(
        '[[course]]\nschedule = "20/10"\ninterval_to_next = "6m"\n'
        + COURSE
        + FILES
        + '[[organ]]\nname = "cord"\nmax_dose = ["file", "file"]\n',
        r"entry 1 is \"file\" but \[\[course\]\] #1 names no rtdose",
        id="file-for-typed",
    ),
    pytest.param(
        '[[course]]\nschedule = "20/10"\ninterval_to_next = "6m"\n'
        + COURSE
        + FILES
        + '[[organ]]\nname = "cord"\n',
        r"key 'max_dose': missing: course\(s\) #1 name no rtdose",
        id="max-dose-missing",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmax_dose = ["file", 2]\n',
        r"expected 1 numbers .*\"file\" for a course with files\), got 2",
        id="length",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmax_dose = ["files"]\n',
        r"entry 1 must be a number \[Gy\] or 'file', got 'files'",
        id="file-typo",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmetric = "Dmean"\n',
        r"key 'metric': metric 'Dmean': only Dmax, Dmin or a dose at a volume",
        id="dmean",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmetric = "V20Gy"\n',
        r"a volume is not a dose",
        id="volume-metric",
    ),
    pytest.param(
        COURSE + FILES + '[[organ]]\nname = "cord"\nmetric = "D2"\n',
        r"DVH metric 'D2' is not one of",
        id="bad-metric",
    ),
    pytest.param(
        COURSE + '[[organ]]\nname = "cord"\nmax_dose = [1.0]\nstructure = "Cord"\n',
        r"key 'structure': only for plans whose courses name files",
        id="structure-no-files",
    ),
]


@pytest.mark.parametrize(("text", "match"), INVALID)
def test_invalid_plan_files(folder: Path, text: str, match: str) -> None:
    with pytest.raises(PlanFileError, match=match):
        load_plan(write_plan(folder, text))


RESOLVE_ERRORS = [
    pytest.param(
        'name = "brainstem"',
        r"\[\[organ\]\] 'brainstem', \[\[course\]\] #1 .*no ROI matches organ 'brainstem' "
        r"as brainstem .*the ROI names are 'PTV', 'SpinalCord'",
        id="no-match",
    ),
    pytest.param(
        'name = "optic nerve"',
        r"no ROI matches organ 'optic nerve'.*give structure = \"ROI name\"",
        id="no-side",
    ),
    pytest.param(
        'name = "cord"\nstructure = "Cord"',
        r"no ROI named 'Cord'; the ROI names are 'PTV'",
        id="structure",
    ),
]


@pytest.mark.parametrize(("organ", "match"), RESOLVE_ERRORS)
def test_resolve_errors(folder: Path, organ: str, match: str) -> None:
    plan = load_plan(write_plan(folder, COURSE + FILES + f"[[organ]]\n{organ}\n"))
    with pytest.raises(PlanFileError, match=match):
        resolve_doses(plan)


def test_several_rois_match(folder: Path) -> None:
    write_rtstruct_file(
        folder / "c2" / "RS.dcm", [(1, "SpinalCord", CYLINDER), (2, "Spinal Cord", CYLINDER)]
    )
    plan = load_plan(write_plan(folder, COURSE + FILES + '[[organ]]\nname = "cord"\n'))
    with pytest.raises(
        PlanFileError,
        match=r"several ROIs match organ 'cord' as spinal cord .*'SpinalCord', 'Spinal Cord'",
    ):
        resolve_doses(plan)


def test_bad_files(folder: Path) -> None:
    write_rtstruct_file(folder / "c2" / "RS.dcm", ROIS, frame_of_reference_uid="1.2.3")
    plan = load_plan(write_plan(folder, COURSE + FILES + '[[organ]]\nname = "cord"\n'))
    with pytest.raises(PlanFileError, match=r"key 'rtstruct': .*frame of reference 1.2.3 but"):
        resolve_doses(plan)
    write_rtstruct_file(folder / "c2" / "RS.dcm", ROIS)
    from radcalc.dicom.rtdose import read_rtdose, write_rtdose

    grid = read_rtdose(folder / "c1" / "RD.dcm")
    write_rtdose(folder / "c2" / "RD.dcm", grid.dose, like=grid, description="EQD2 a/b 2 Gy 10 fx")
    with pytest.raises(PlanFileError, match=r"key 'rtdose': .*RD.dcm holds EQD2, not physical"):
        resolve_doses(plan)
    (folder / "c2" / "RD.dcm").write_bytes(b"not dicom")
    with pytest.raises(PlanFileError, match=r"#1, key 'rtdose': .*RD.dcm"):
        resolve_doses(plan)


PYTHON_ERRORS = [
    pytest.param(
        lambda: PlanCourse(parse_schedule("20/10"), rtdose="RD.dcm"),
        r"rtdose and rtstruct go together",
        id="course",
    ),
    pytest.param(
        lambda: PlanCourse(parse_schedule("20/10"), rtdose="a", rtstruct="b", dvh_export="c"),
        r"either rtdose and rtstruct or dvh_export",
        id="both",
    ),
    pytest.param(
        lambda: PlanOrgan("cord", (None,), metric="Dmean"),
        r"metric of organ 'cord' 'Dmean'",
        id="metric",
    ),
    pytest.param(
        lambda: PlanOrgan("cord", (None,), structure=" "),
        r"structure of organ 'cord' must be a ROI name",
        id="structure",
    ),
    pytest.param(
        lambda: parse_plan({"course": [{"schedule": "20/10"}]}).__class__(
            (PlanCourse(parse_schedule("20/10")),), organs=(PlanOrgan("cord", (None,)),)
        ),
        r"max_dose\[0\] of organ 'cord' is missing, but course #1 names no",
        id="none-typed",
    ),
    pytest.param(lambda: max_dose_metric(3), r"metric must be a DVH metric", id="metric-type"),
]


@pytest.mark.parametrize(("call", "match"), PYTHON_ERRORS)
def test_invalid_python_calls(call: Any, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()


# --- properties ------------------------------------------------------------------------------


VOLUME_METRICS = st.one_of(
    st.floats(0.001, 50, allow_nan=False).map(lambda v: f"D{v:.3g}cc"),
    st.floats(0.1, 100, allow_nan=False).map(lambda v: f"d {v:.3g} %"),
    st.sampled_from(["Dmax", "dmax", "DMIN"]),
)


@given(VOLUME_METRICS)
def test_metric_spelling_is_canonical_and_idempotent(text: str) -> None:
    canonical = max_dose_metric(text)
    assert max_dose_metric(canonical) == canonical
    assert PlanOrgan("cord", (None,), metric=text).metric_text == canonical


CORD_KINDS = ["SpinalCord_PRV05", "zSpinalCord", "SpinalCord~", "SpinalCord^Cerv", "Cord_PRV03"]


@given(st.lists(st.sampled_from(CORD_KINDS), unique=True), st.sampled_from(["SpinalCord", "Cord"]))
def test_the_organ_is_never_a_prv_or_a_part(others: list[str], cord: str) -> None:
    names = tuple(sorted([*others, cord, "PTV"]))
    assert match_structure("spinal cord", names) == cord
    if not others:
        return
    with pytest.raises(InvalidInputError, match=r"no ROI matches organ 'brainstem'"):
        match_structure("brainstem", names)
