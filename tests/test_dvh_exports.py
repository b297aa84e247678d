"""DVH exports (issue 13): Eclipse, RayStation and Monaco text DVHs in, EQD2/BED metrics out.

Every file here is written by the tests (tests/dvh_export_writers.py, or a few
lines inline reproducing one oddity of real exports); no patient data. α/β
values and fractions are examples for the tests, not recommendations.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from dvh_export_writers import write_eclipse, write_monaco, write_raystation

import radcalc
from radcalc import lq
from radcalc.cli import main
from radcalc.dosevolume.exports import DVHExport, detect_format, read_dvh_export
from radcalc.dosevolume.histogram import DVH
from radcalc.errors import InvalidInputError

BIN_GY = 0.1  # bin width of the written exports [Gy]
METRICS = ("Dmax", "D0.03cc", "D95%", "D50%", "Dmean", "Dmin", "V30Gy%", "V32Gy")


@pytest.fixture(scope="module")
def dicom_dvhs(tmp_path_factory: pytest.TempPathFactory) -> list[DVH]:
    """DVHs computed from DICOM files: a sphere (r 8 mm) and a small cylinder on 30 Gy + 1 Gy/mm."""
    pytest.importorskip("pydicom")
    from rtstruct_factory import circle, disc_contours, write_linear_rtdose, write_rtstruct_file

    folder = tmp_path_factory.mktemp("dicom")
    rd = write_linear_rtdose(folder / "RD.dcm")
    sphere = disc_contours(lambda z: float(np.sqrt(max(64 - z**2, 0))), (-9, 9), 2.0)
    small = [circle(0, 0, z, 3) for z in (-2.0, 0.0, 2.0)]
    rs = write_rtstruct_file(folder / "RS.dcm", [(1, "PTV", sphere), (2, "Spinal Cord", small)])
    grid = radcalc.read_rtdose(rd)
    structures = radcalc.read_rtstruct(rs)
    return [radcalc.dvh(grid, structures["PTV"]), radcalc.dvh(grid, structures["Spinal Cord"])]


# name -> (writer, keyword arguments, volume_cc needed)
VARIANTS: dict[str, tuple[Callable[..., Path], dict[str, Any], bool]] = {
    "eclipse-cGy-%-cp1252-CRLF": (write_eclipse, {}, False),
    "eclipse-Gy-cc-relative-dose-first": (
        write_eclipse,
        {"dose_unit": "Gy", "volume": "cc", "relative_first": True},
        False,
    ),
    "eclipse-[cc]-volume-key-utf8-LF": (
        write_eclipse,
        {"volume_key": "Volume [cc]", "encoding": "utf-8", "newline": "\n"},
        False,
    ),
    "eclipse-differential-%": (write_eclipse, {"kind": "differential"}, False),
    "eclipse-differential-cc-Gy": (
        write_eclipse,
        {"kind": "differential", "volume": "cc", "dose_unit": "Gy"},
        False,
    ),
    "eclipse-plan-sum-no-statistics": (
        write_eclipse,
        {"prescription_gy": None, "statistics": False},
        False,
    ),
    "raystation-dose-unit-cGy": (write_raystation, {}, True),
    "raystation-old-unit-key-Gy": (write_raystation, {"unit_key": "Unit", "dose_unit": "Gy"}, True),
    "raystation-descending-CRLF": (
        write_raystation,
        {"descending": True, "newline": "\r\n"},
        True,
    ),
    "raystation-roi-volume-line": (write_raystation, {"volume_line": True}, False),
    "monaco-cGy-cc-cp1252-CRLF": (write_monaco, {}, False),
    "monaco-Gy-%": (write_monaco, {"dose_unit": "Gy", "volume": "%"}, True),
    "monaco-differential-cc": (write_monaco, {"kind": "differential"}, False),
    "monaco-differential-%-utf8": (
        write_monaco,
        {"kind": "differential", "volume": "%", "encoding": "utf-8", "newline": "\n"},
        True,
    ),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_round_trip_from_dicom_gives_the_same_metrics(
    variant: str, dicom_dvhs: list[DVH], tmp_path: Path
) -> None:
    # Tolerance from the bin width: every written point is exact (the voxel
    # DVH at a bin edge), and between points both curves are monotone, so a
    # dose metric moves by less than one bin and a V metric at a bin edge
    # (30 and 32 Gy are edges) not at all, up to the 6 printed decimals
    # (summed over the bins of a differential export: 1e-4 cc).
    writer, options, needs_volume = VARIANTS[variant]
    path = writer(tmp_path / "export.txt", dicom_dvhs, bin_width_gy=BIN_GY, **options)
    volumes = {h.name: h.volume_cc for h in dicom_dvhs} if needs_volume else None
    export = read_dvh_export(path, volume_cc=volumes)
    assert export.format == variant.split("-")[0]
    assert export.names == ("PTV", "Spinal Cord")
    assert export.patient_id == "PHANTOM-01" and export.plan == "PLAN1"
    for original in dicom_dvhs:
        read = export[original.name]
        assert read.quantity == "physical" and read.source == str(path)
        assert read.volume_cc == pytest.approx(original.volume_cc, abs=1e-4)
        for metric in METRICS:
            expected, got = original.metric(metric), read.metric(metric)
            if metric.startswith("V"):  # 1e-4 cc: printed volumes of 6 decimals, summed
                scale = 100.0 / original.volume_cc if metric.endswith("%") else 1.0
                assert got == pytest.approx(expected, abs=1e-4 * scale), metric
            else:
                assert abs(got - expected) <= BIN_GY + 1e-9, (metric, got, expected)


def test_eclipse_statistics_are_the_exact_header_values(
    dicom_dvhs: list[DVH], tmp_path: Path
) -> None:
    export = read_dvh_export(write_eclipse(tmp_path / "e.txt", dicom_dvhs))
    for original in dicom_dvhs:
        for metric in ("Dmax", "Dmin", "Dmean"):
            assert export[original.name].metric(metric) == pytest.approx(
                original.metric(metric), abs=1e-8
            )
    assert export.patient_name == "Test, Phantom" and export.prescription_gy == 50.0


def test_the_awkward_bytes_are_really_written(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    data = write_eclipse(tmp_path / "e.txt", dicom_dvhs).read_bytes()
    assert b"Volume [cm\xb3]" in data and b"\r\n" in data  # cp1252 ³ and CRLF
    assert b"Volume Units: cm\xb3" in write_monaco(tmp_path / "m.txt", dicom_dvhs).read_bytes()


def test_utf8_bom_and_latin1_fallback(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs, encoding="utf-8")
    reference = read_dvh_export(path)["PTV"].metric("D95%")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_dvh_export(path)["PTV"].metric("D95%") == reference
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs)  # cp1252
    # A byte that cp1252 does not define (0x81) falls back to Latin-1.
    path.write_bytes(path.read_bytes().replace(b"Test, Phantom", b"Test, Ph\x81ntom"))
    assert read_dvh_export(path).patient_name == "Test, Ph\x81ntom"


def test_both_column_orders_read_alike(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    a = read_dvh_export(write_eclipse(tmp_path / "a.txt", dicom_dvhs))
    b = read_dvh_export(write_eclipse(tmp_path / "b.txt", dicom_dvhs, relative_first=True))
    for name in a.names:
        np.testing.assert_allclose(a[name].dose_gy, b[name].dose_gy, rtol=0, atol=1e-12)
        np.testing.assert_allclose(a[name].volume, b[name].volume, rtol=0, atol=1e-12)


def test_format_detection_and_forced_format(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    files = {
        "eclipse": write_eclipse(tmp_path / "e.txt", dicom_dvhs),
        "raystation": write_raystation(tmp_path / "r.txt", dicom_dvhs),
        "monaco": write_monaco(tmp_path / "m.txt", dicom_dvhs),
    }
    for name, path in files.items():
        assert detect_format(path.read_bytes().decode("cp1252")) == name
        assert read_dvh_export(path, format=name).format == name  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"r\.txt: no 'Structure:' line"):
        read_dvh_export(files["raystation"], format="eclipse")
    with pytest.raises(InvalidInputError, match=r"e\.txt, line 1: a DVH row before the first"):
        read_dvh_export(files["eclipse"], format="raystation")
    with pytest.raises(InvalidInputError, match=r"e\.txt, line 1: no 'Patient ID"):
        read_dvh_export(files["eclipse"], format="monaco")


def test_zero_volume_structure_is_listed_as_empty(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs, empty=["Bolus"])
    export = read_dvh_export(path)
    assert export.names == ("PTV", "Spinal Cord") and export.empty == ("Bolus",)
    assert len(export) == 2
    with pytest.raises(InvalidInputError, match=r"e\.txt: structure 'Bolus' has zero volume"):
        export["Bolus"]
    with pytest.raises(InvalidInputError, match=r"no structure named 'ptv'.*did you mean 'PTV'"):
        export["ptv"]
    # RayStation: a ROI whose rows are all 0 % is empty too.
    text = "#RoiName:Empty\n#Dose unit: Gy\n0 0\n1 0\n#RoiName:A\n#Dose unit: Gy\n0 100\n2 0\n"
    (tmp_path / "r.txt").write_text(text)
    export = read_dvh_export(tmp_path / "r.txt")
    assert export.empty == ("Empty",) and export.names == ("A",)


def test_truncated_files_name_the_line(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    path = write_raystation(tmp_path / "r.txt", dicom_dvhs)
    data = path.read_bytes()
    lines = data.split(b"\n")
    # Cut inside the last row: one cell left.
    path.write_bytes(data[: data.rindex(b"\t")])
    with pytest.raises(InvalidInputError, match=rf"r\.txt, line {len(lines) - 1}: 1 cells.*trunc"):
        read_dvh_export(path)
    # Cut at a row boundary in the middle of the curve: it never reaches 0.
    path.write_bytes(b"\n".join(lines[:-40]) + b"\n")
    with pytest.raises(
        InvalidInputError, match=rf"r\.txt, line {len(lines) - 40}: 'Spinal Cord': the cumulative"
    ):
        read_dvh_export(path)
    # Eclipse: cut after a structure's header, before its table.
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs, encoding="utf-8", newline="\n")
    text = path.read_text()
    path.write_text(text[: text.index("  Dose [cGy]", text.index("Structure: Spinal Cord"))])
    with pytest.raises(InvalidInputError, match=r"e\.txt, line \d+: structure 'Spinal Cord' .*"
                       r"has no DVH table: the file is truncated"):  # fmt: skip
        read_dvh_export(path)


def _eclipse(rows: str, *, header: str = "", columns: str = "") -> str:
    columns = columns or "  Dose [cGy]   Relative dose [%] Ratio of Total Structure Volume [%]"
    return (
        "Patient Name         : Test\nPatient ID           : 1\n"
        "Type                 : Cumulative Dose Volume Histogram\n"
        f"Plan: P\nPrescribed dose [cGy]: 5000.0\n% for dose (%): 100.0\n{header}\n"
        "Structure: Cord\nVolume [cm³]: 10.0\n\n"
        f"{columns}\n{rows}"
    )


_GOOD_ROWS = "0 0 100\n2000 40 100\n4000 80 0\n"
_RAY = "#PatientName:X\n#RoiName:Cord\n#Dose unit: cGy\n"
_MONACO = "Patient ID: X~1 | Plan Name: P | Bin Width: 10 | Dose Units: cGy | Volume Units: cm³\n"

# (id, file text, read_dvh_export keywords, message after "<file>, line <n>: " or "<file>: ")
INVALID: list[tuple[str, str, dict[str, Any], str]] = [
    ("eclipse-non-numeric-cell", _eclipse("0 0 100\n2000 x 100\n"), {}, r"line 13: .*'x'"),
    ("eclipse-decimal-comma", _eclipse("0 0 100\n2000,5 40 100\n"), {},
     r"line 13: .*decimal comma"),
    ("eclipse-rising-cumulative", _eclipse("0 0 90\n2000 40 95\n4000 80 0\n"), {},
     r"line 13: 'Cord': the cumulative volume rises from 90 to 95"),
    ("eclipse-rounding-rise-ok-but-not-ending-at-0", _eclipse("0 0 90\n2000 40 90.1\n"), {},
     r"line 13: 'Cord': the cumulative DVH ends at 20 Gy with 90.1 % .*truncated"),
    ("eclipse-too-few-cells", _eclipse("0 0 100\n2000 40\n"), {}, r"line 13: 2 cells, expected 3"),
    ("eclipse-unknown-dose-unit", _eclipse(_GOOD_ROWS, columns="Dose [mGy] Ratio of Total "
     "Structure Volume [%]"), {}, r"line 11: unknown dose unit 'mGy'"),
    ("eclipse-unknown-column", _eclipse(_GOOD_ROWS, columns="Dose [cGy] Foo [%] Ratio of Total "
     "Structure Volume [%]"), {}, r"line 11: unknown column 'Foo'"),
    ("eclipse-unknown-volume-unit", _eclipse(_GOOD_ROWS, columns="Dose [cGy] Relative dose [%] "
     "Structure Volume [ml]"), {}, r"line 11: unknown volume unit 'ml'"),
    ("eclipse-type-vs-columns", _eclipse("0 1\n", columns="Dose [cGy] dVolume / dDose [cm³ / cGy]"),
     {}, r"line 11: the header says cumulative, but the columns of 'Cord' are differential"),
    ("eclipse-relative-dose-without-rx", _eclipse("0 100\n80 0\n", columns="Relative dose [%] "
     "Ratio of Total Structure Volume [%]").replace("Prescribed dose [cGy]: 5000.0",
     "Prescribed dose [cGy]: not defined"), {}, r"line 11: relative doses need the 'Prescribed"),
    ("eclipse-duplicate-structure", _eclipse(_GOOD_ROWS) + "\nStructure: Cord\n", {},
     r"line 16: structure 'Cord' appears again \(first at line 8\).*one plan per file"),
    ("eclipse-volume-cc-disagrees", _eclipse(_GOOD_ROWS), {"volume_cc": {"Cord": 12}},
     r"line 8: structure 'Cord' has 10 cc in the file but volume_cc gives 12 cc"),
    ("raystation-no-dose-unit", "#RoiName:Cord\n0 100\n10 0\n", {},
     r"line 1: structure 'Cord' has no '#Dose unit:'"),
    ("raystation-unknown-dose-unit", "#RoiName:Cord\n#Unit: Sv\n0 100\n", {},
     r"line 2: unknown dose unit 'Sv'"),
    ("raystation-unknown-volume-unit", _RAY + "#Volume unit: ml\n0 100\n", {},
     r"line 4: unknown volume unit 'ml'"),
    ("raystation-row-before-roi", "#PatientName:X\n0 100\n", {},
     r"line 2: a DVH row before the first '#RoiName:'"),
    ("raystation-non-numeric", _RAY + "0 100\n1000 abc\n", {}, r"line 5: a volume .*'abc'"),
    ("raystation-rising", _RAY + "0 50\n1000 60\n2000 0\n", {},
     r"line 5: 'Cord': the cumulative volume rises"),
    ("raystation-doses-not-ordered", _RAY + "0 100\n1000 50\n500 40\n2000 0\n", {},
     r"line 6: 'Cord': the dose goes down from 10 Gy to 5 Gy"),
    ("raystation-negative-volume", _RAY + "0 100\n1000 -1\n", {}, r"line 5: .*must be >= 0"),
    ("monaco-relative-dose", _MONACO.replace("Dose Units: cGy", "Dose Units: %") + "A 0 1\n", {},
     r"line 1: relative doses \(Dose Units: %\) need the prescription"),
    ("monaco-no-volume-units", "Patient ID: X | Plan Name: P | Dose Units: cGy\nA 0 1\n", {},
     r"line 1: the header has no 'Volume Units:' field"),
    ("monaco-non-contiguous", _MONACO + "A 0 2\nA 10 0\nB 0 1\nB 10 0\nA 20 0\n", {},
     r"line 6: the rows of structure 'A' continue after other structures \(first at line 2\)"),
    ("monaco-non-numeric-in-rows", _MONACO + "A 0 2\nA 1O 0\n", {}, r"line 3: .*'1O'"),
    ("monaco-truncated-row", _MONACO + "A 0 2\nA 10 1\nA 20\n", {}, r"line 4: expected 'structure "
     r"dose volume'.*truncated"),
    ("monaco-no-rows", _MONACO + "\n\n", {}, r"line 1: no DVH rows"),
    ("unknown-format", "hello\nworld\n", {}, r": not an Eclipse, RayStation or Monaco DVH export"),
    ("empty-file", "\n\n", {}, r": the file is empty"),
    ("volume-cc-unknown-name", _RAY + "0 100\n1000 0\n", {"volume_cc": {"Cord ": 1}},
     r": volume_cc names 'Cord ', which is not a structure of the file; the structures are 'Cord'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "keywords", "match"), [c[1:] for c in INVALID],
                         ids=[c[0] for c in INVALID])  # fmt: skip
def test_invalid_exports_name_file_and_line(
    text: str, keywords: dict[str, Any], match: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad_export.txt"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(InvalidInputError, match=re.escape(str(path)) + ",? ?" + match):
        read_dvh_export(path, **keywords)


@pytest.mark.parametrize(
    ("keywords", "match"),
    [
        ({"format": "pinnacle"}, "format must be one of eclipse, raystation, monaco"),
        ({"volume_cc": {"Cord": -1}}, r"volume_cc\['Cord'\] must be > 0 cc, got -1"),
        ({"volume_cc": {"Cord": float("nan")}}, r"volume_cc\['Cord'\] must be > 0 cc"),
        ({"volume_cc": [1.0]}, "volume_cc must be a mapping"),
    ],
    ids=["format", "volume-negative", "volume-nan", "volume-not-mapping"],
)
def test_invalid_arguments(keywords: dict[str, Any], match: str, tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(_RAY + "0 100\n1000 0\n")
    with pytest.raises(InvalidInputError, match=match):
        read_dvh_export(path, **keywords)


def test_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="it is a folder"):
        read_dvh_export(tmp_path)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    with pytest.raises(InvalidInputError, match="not a regular file"):
        read_dvh_export(fifo)


def test_raystation_cc_metrics_need_the_volume_and_say_so(
    dicom_dvhs: list[DVH], tmp_path: Path
) -> None:
    export = read_dvh_export(write_raystation(tmp_path / "r.txt", dicom_dvhs))
    assert export["PTV"].volume_unit == "%"
    assert export["PTV"].metric("D95%") == pytest.approx(dicom_dvhs[0].metric("D95%"), abs=BIN_GY)
    with pytest.raises(InvalidInputError, match=r"D0.03cc needs the structure volume.*volume_cc"):
        export["PTV"].metric("D0.03cc")
    with pytest.raises(InvalidInputError, match=r"volume is unknown.*--volume NAME=CC"):
        export["PTV"].metric("V30Gy")


def test_relative_dose_only_uses_the_prescription(tmp_path: Path) -> None:
    columns = "Relative dose [%]  Ratio of Total Structure Volume [%]"
    path = tmp_path / "e.txt"
    path.write_text(_eclipse("0 100\n40 100\n80 0\n", columns=columns), encoding="cp1252")
    h = read_dvh_export(path)["Cord"]
    assert h.metric("Dmax") == pytest.approx(40.0) and h.metric("D50%") == pytest.approx(30.0)
    path.write_text(_eclipse("0 100\n80 0\n", columns=columns).replace("(%): 100.0", "(%): 95.0"))
    with pytest.raises(InvalidInputError, match=r"line 6: relative doses with '% for dose' 95"):
        read_dvh_export(path)


def test_rounding_rise_within_one_printed_digit_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text(_RAY + "0 100.0\n1000 99.9\n1500 100.0\n2000 0\n")  # +0.1 = one digit
    h = read_dvh_export(path)["Cord"]
    assert h.volume.tolist() == [100.0, 99.9, 99.9, 0.0]
    path.write_text(_RAY + "0 100.0001\n1000 0\n")  # 100 % rounded up in the last digit
    assert read_dvh_export(path)["Cord"].volume.tolist() == [100.0, 0.0]
    path.write_text(_RAY + "0 100.02\n1000 0\n")  # two digits: not rounding
    with pytest.raises(InvalidInputError, match=r"r\.txt, line 4: 'Cord': a volume in % must"):
        read_dvh_export(path)


# ----------------------------------------------------------------- EQD2 / BED


def _export(fractions: int | None = None) -> DVHExport:
    cord = DVH("Cord", [0.0, 40.0, 50.0], [10.0, 10.0, 0.0], dmax_gy=50.0)
    ptv = DVH("PTV", [0.0, 68.0, 74.0], [100.0, 100.0, 0.0], volume_unit="%")
    return DVHExport("eclipse", "x.txt", None, None, None, 70.0, fractions, (cord, ptv))


def test_eqd2_per_point_with_its_own_dose_per_fraction() -> None:
    converted = _export().to_eqd2(alpha_beta=10, alpha_beta_for={"Cord": 2}, fractions=35)
    cord, ptv = converted["Cord"], converted["PTV"]
    assert (cord.alpha_beta, ptv.alpha_beta, cord.quantity) == (2.0, 10.0, "EQD2")
    # Withers 1983: EQD2 = D (D/n + a/b) / (2 + a/b), point by point (identity to 1e-12).
    expected = lq.eqd2(np.array([0.0, 40.0, 50.0]), 35, alpha_beta=2)
    np.testing.assert_allclose(cord.dose_gy, expected, rtol=1e-12)
    assert cord.metric("Dmax") == pytest.approx(float(lq.eqd2(50.0, 35, alpha_beta=2)), rel=1e-12)
    # The prescription-dose-per-fraction shortcut (2 Gy/fx of 70/35) gives EQD2 = D for a hot spot
    # of 74 Gy; per point it is higher, since the hot spot got 2.11 Gy per fraction.
    shortcut = 74.0 * (2.0 + 10) / (2 + 10)
    assert ptv.metric("Dmax") > shortcut
    bed = _export().to_bed(alpha_beta=3, fractions=10)  # Fowler 1989: BED = D (1 + d/(a/b))
    assert bed["Cord"].metric("Dmax") == pytest.approx(50 * (1 + 5 / 3), rel=1e-12)


def test_fractions_from_the_file_or_given() -> None:
    assert _export(25).to_eqd2(alpha_beta=2)["Cord"].fractions == 25
    with pytest.raises(InvalidInputError, match=r"x.txt: the file does not give the number"):
        _export().to_eqd2(alpha_beta=2)
    with pytest.raises(InvalidInputError, match=r"fractions=30 differs from the file's 25"):
        _export(25).to_eqd2(alpha_beta=2, fractions=30)
    with pytest.raises(InvalidInputError, match=r"alpha_beta_for names 'cord'.*'Cord', 'PTV'"):
        _export(25).to_eqd2(alpha_beta=2, alpha_beta_for={"cord": 2})


def test_fractions_line_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "e.txt"
    path.write_text(_eclipse(_GOOD_ROWS, header="Number of Fractions: 25"))
    assert read_dvh_export(path).fractions == 25
    path.write_text(_RAY.replace("#RoiName", "#Fractions: 5\n#RoiName") + "0 100\n1000 0\n")
    assert read_dvh_export(path).fractions == 5


@settings(max_examples=40, deadline=None)
@given(
    doses=st.lists(st.floats(0.5, 80.0), min_size=1, max_size=30),
    fractions=st.integers(8, 40),  # at most 10 Gy per fraction
    alpha_beta=st.sampled_from([1.5, 2.0, 3.0, 10.0]),
)
def test_eqd2_of_a_curve_maps_every_dose_metric(
    doses: list[float], fractions: int, alpha_beta: float
) -> None:
    # EQD2 rises with dose, so D<x> of the EQD2 DVH is EQD2 of the physical D<x>.
    h = DVH.from_voxels(doses, np.ones(len(doses)), name="x")
    curve = DVH("x", h.dose_gy, h.volume)  # a curve, as read from an export
    export = DVHExport("monaco", "m.txt", None, None, None, None, None, (curve,))
    converted = export.to_eqd2(alpha_beta=alpha_beta, fractions=fractions)["x"]
    for metric in ("Dmax", "D50%", "D10%", "Dmin"):
        physical = curve.metric(metric)
        expected = float(lq.eqd2(physical, fractions, alpha_beta=alpha_beta))
        assert converted.metric(metric) == pytest.approx(expected, rel=1e-9, abs=1e-9)


# ----------------------------------------------------------------- CLI


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_cli_eclipse_eqd2_with_per_structure_alpha_beta(
    dicom_dvhs: list[DVH], tmp_path: Path
) -> None:
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs)
    code, out, err = run(
        "dvh", str(path), "--fx", "35", "--ab", "3", "--ab-for", "Spinal Cord=2",
        "--metric", "D0.03cc", "--json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    assert doc["format"] == "eclipse" and doc["quantity"] == "EQD2" and doc["fractions"] == 35
    ptv, cord = doc["structures"]
    assert (ptv["alpha_beta"], cord["alpha_beta"]) == (3, 2)
    physical = read_dvh_export(path)["Spinal Cord"].metric("D0.03cc")
    expected = float(lq.eqd2(physical, 35, alpha_beta=2))
    assert cord["metrics"]["D0.03cc"]["value"] == pytest.approx(expected, rel=1e-12)
    assert cord["metrics"]["D0.03cc"]["unit"] == "Gy EQD2"


def test_cli_table_and_empty_note(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs, empty=["Bolus"])
    code, out, err = run("dvh", str(path), "--fx", "35", "--ab", "3")
    assert code == 0, err
    assert out.splitlines()[1].startswith("PTV") and "Spinal Cord" in out
    assert "per dose point of the exported DVH with its own dose per fraction, 35" in out
    assert "'Bolus' has zero volume in the file; skipped" in err


def test_cli_raystation_volume_option(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    path = write_raystation(tmp_path / "r.txt", dicom_dvhs)
    code, out, err = run("dvh", str(path), "--metric", "D0.03cc", "--structure", "PTV")
    assert code == 0 and "needs the structure volume" in err and "--volume NAME=CC" in err
    volume = f"PTV={dicom_dvhs[0].volume_cc}"
    code, out, err = run(
        "dvh", str(path), "--metric", "D0.03cc", "--structure", "PTV", "--volume", volume,
        "--format", "raystation", "--json",
    )  # fmt: skip
    assert code == 0, err
    value = json.loads(out)["structures"][0]["metrics"]["D0.03cc"]["value"]
    assert abs(value - dicom_dvhs[0].metric("D0.03cc")) <= BIN_GY


def test_cli_plot_of_an_export(dicom_dvhs: list[DVH], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    png = tmp_path / "dvh.png"
    path = write_raystation(tmp_path / "r.txt", dicom_dvhs)
    code, _, err = run("dvh", str(path), "--fx", "5", "--ab", "3", "--plot", str(png))
    assert code == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["--fx", "5"], 2, "--fx needs --ab"),
        (["--ab", "3"], 1, "the file does not give the number of fractions.*--fx"),
        (["--fx", "5", "--ab", "3", "--ab-for", "Cord=2"], 1, "no structure named 'Cord'"),
        (["--volume", "PTV"], 1, "--volume must be NAME=CC"),
        (["--volume", "PTV=big"], 1, "the volume must be a number"),
        (["--volume", "Cord=3"], 1, "volume_cc names 'Cord'"),
        (["--structure", "ptv"], 1, "did you mean 'PTV'"),
        (["--format", "monaco"], 1, "line 1: no 'Patient ID"),
        (["--format", "pinnacle"], 2, "Invalid value for '--format'"),
        (["second.txt"], 2, "--format and --volume are for a DVH export"),
        (["a", "b"], 2, "got 3 files"),
    ],
    ids=lambda v: str(v),
)
def test_cli_export_errors(
    args: list[str], code: int, match: str, dicom_dvhs: list[DVH], tmp_path: Path
) -> None:
    path = write_eclipse(tmp_path / "e.txt", dicom_dvhs)
    if args == ["second.txt"]:
        args = ["second.txt", "--volume", "PTV=3"]
    exit_code, _, err = run("dvh", str(path), *args)
    assert exit_code == code, err
    assert re.search(match, err), err
    assert "Traceback" not in err
    if code == 1:
        assert len(err.strip().splitlines()) == 1


def test_public_names_are_lazy() -> None:
    assert radcalc.read_dvh_export is read_dvh_export
    assert radcalc.DVHExport is DVHExport
    assert "read_dvh_export" in radcalc.__all__ and "DVHExport" in radcalc.__all__


def test_differential_percent_volumes_sum_to_100_within_the_printed_rounding(
    tmp_path: Path,
) -> None:
    header = (
        "Patient ID: P~1 | Plan Name: A | Plan Date: 2024-01-01 | Bin Width: 1 | "
        "Dose Units: Gy | Volume Units: %\n\nStructure  Dose (Gy)  Volume (%)\n"
    )
    # Three bins printed to 6 decimals: up to 1.5e-6 % above 100 is rounding
    # (volumes that rise: a differential DVH).
    rounded = tmp_path / "rounded.txt"
    rounded.write_text(header + "Cord 0.5 20.000001\nCord 1.5 50.000000\nCord 2.5 30.000000\n")
    h = read_dvh_export(rounded, volume_cc={"Cord": 2.0})["Cord"]
    assert h.volume[0] == pytest.approx(100.0, abs=1e-12) and h.volume_cc == 2.0
    too_much = tmp_path / "too_much.txt"
    too_much.write_text(header + "Cord 0.5 50\nCord 1.5 60\nCord 2.5 40\n")
    with pytest.raises(InvalidInputError, match=r"in % add up to 150, more than 100 beyond"):
        read_dvh_export(too_much, volume_cc={"Cord": 2.0})
