"""``radcalc map`` and ``radcalc accumulate`` with CliRunner; eqd2 never imports pydicom."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("scipy")

from dicom_rtdose_factory import write_rtdose_file  # noqa: E402

from radcalc.cli import main  # noqa: E402
from radcalc.dicom.rtdose import read_rtdose  # noqa: E402
from radcalc.lq import eqd2  # noqa: E402
from radcalc.reirradiation import cumulative_eqd2  # noqa: E402


def test_eqd2_command_imports_neither_pydicom_nor_scipy() -> None:
    code = (
        "import sys, radcalc.cli\n"
        "from click.testing import CliRunner\n"
        "r = CliRunner().invoke(radcalc.cli.main, ['eqd2', '--dose', '70', '--fx', '35', "
        "'--ab', '3'])\n"
        "assert r.exit_code == 0, r.output\n"
        "assert 'pydicom' not in sys.modules and 'scipy' not in sys.modules, 'heavy import'\n"
        "assert 'map' in radcalc.cli.main.list_commands(None)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_map_writes_an_eqd2_map(tmp_path: Path) -> None:
    rd = write_rtdose_file(tmp_path / "RD.dcm")
    out = tmp_path / "RD_eqd2.dcm"
    result = CliRunner().invoke(main, ["map", str(rd), "--fx", "35", "--ab", "3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "EQD2 [Gy], LQ, alpha/beta 3 Gy, 35 fx, each voxel's own dose per fraction" in (
        result.output
    )
    grid, back = read_rtdose(rd), read_rtdose(out)
    expected = eqd2(grid.dose, 35, alpha_beta=3)
    step = float(pydicom.dcmread(out).DoseGridScaling)
    np.testing.assert_allclose(back.dose, expected, rtol=0, atol=step)
    assert back.quantity == "EQD2"
    assert pydicom.dcmread(out).DoseComment == "EQD2 LQ a/b 3 Gy 35 fx"


def test_map_bed_and_refuses_a_map(tmp_path: Path) -> None:
    rd = write_rtdose_file(tmp_path / "RD.dcm")
    out = tmp_path / "bed.dcm"
    ok = CliRunner().invoke(
        main, ["map", str(rd), "--fx", "5", "--ab", "10", "--quantity", "bed", "-o", str(out)]
    )
    assert ok.exit_code == 0, ok.output
    assert read_rtdose(out).quantity == "BED"
    again = CliRunner().invoke(
        main, ["map", str(out), "--fx", "5", "--ab", "10", "-o", str(tmp_path / "x.dcm")]
    )
    assert again.exit_code == 1
    assert "already a BED map" in again.output


@pytest.mark.parametrize(
    ("variant", "match"),
    [
        ({"units": "RELATIVE"}, "DoseUnits RELATIVE"),
        ({"truncate_bytes": 40}, "the file is truncated"),
        ({"modality": "CT", "sop_class_uid": "1.2.840.10008.5.1.4.1.1.2"}, "not an RT Dose"),
    ],
    ids=["relative", "truncated", "wrong modality"],
)
def test_map_bad_file_exits_1_without_traceback(
    tmp_path: Path, variant: dict[str, object], match: str
) -> None:
    rd = write_rtdose_file(tmp_path / "RD.dcm", **variant)  # type: ignore[arg-type]
    result = CliRunner().invoke(
        main, ["map", str(rd), "--fx", "35", "--ab", "3", "-o", str(tmp_path / "o.dcm")]
    )
    assert result.exit_code == 1
    assert match in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o.dcm").exists()


def test_accumulate_two_courses(tmp_path: Path) -> None:
    rd1 = write_rtdose_file(tmp_path / "RD1.dcm", plan_uids=("1.1",))
    rd2 = write_rtdose_file(
        tmp_path / "RD2.dcm", base=5.0, plan_uids=("1.2",), sop_instance_uid="1.2.3.4.5"
    )
    out = tmp_path / "sum.dcm"
    result = CliRunner().invoke(
        main,
        [
            "accumulate",
            "--course", f"{rd1}:35",
            "--course", f"{rd2}:5",
            "--interval", "24m",
            "--ab", "2",
            "--recovery", "constant:0.25",
            "-o", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "weight 0.75" in result.output and f"wrote {out}" in result.output
    g1, g2 = read_rtdose(rd1), read_rtdose(rd2)
    expected = cumulative_eqd2(
        [g1.dose, g2.dose], [35, 5], [24], alpha_beta=2, recovery="constant:0.25"
    )
    back = read_rtdose(out)
    step = float(pydicom.dcmread(out).DoseGridScaling)
    np.testing.assert_allclose(back.dose, expected, rtol=0, atol=step)
    ds = pydicom.dcmread(out)
    assert ds.DoseSummationType == "MULTI_PLAN"
    assert len(ds.ReferencedInstanceSequence) == 2
    assert ds.DoseComment == "sum EQD2 LQ a/b 2 Gy 35+5 fx"


def test_accumulate_with_transform_file(tmp_path: Path) -> None:
    rd1 = write_rtdose_file(tmp_path / "RD1.dcm", frame_of_reference_uid="1.2.3.9")
    rd2 = write_rtdose_file(tmp_path / "RD2.dcm", sop_instance_uid="1.2.3.4.6")
    args = ["accumulate", "--course", f"{rd1}:30", "--course", f"{rd2}:30", "--interval", "1y"]
    args += ["--ab", "3", "-o", str(tmp_path / "sum.dcm")]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1
    assert "give a rigid registration" in refused.output
    matrix = tmp_path / "reg.txt"
    matrix.write_text("# course 1 -> course 2 frame\n1 0 0 0\n0 1 0 0\n0 0 1 0\n0 0 0 1\n")
    ok = CliRunner().invoke(main, [*args, "--transform", f"1:{matrix}"])
    assert ok.exit_code == 0, ok.output
    assert pydicom.dcmread(tmp_path / "sum.dcm").SpatialTransformOfDose == "RIGID"


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--course", "RD.dcm"], "--course must be FILE:FRACTIONS"),
        (["--course", "RD.dcm:0"], "--course must be FILE:FRACTIONS"),
        (["--course", "X:35", "--transform", "3:reg.txt"], "COURSE in 1..1"),
        (["--course", "X:35", "--reference", "2"], "cannot read the file"),
    ],
)
def test_accumulate_usage_errors(extra: list[str], match: str) -> None:
    result = CliRunner().invoke(main, ["accumulate", "--ab", "3", "-o", "o.dcm", *extra])
    assert result.exit_code == 1
    assert match in result.output


def test_map_with_per_structure_alpha_beta(tmp_path: Path) -> None:
    from rtstruct_factory import circle, write_rtstruct_file

    rd = write_rtdose_file(
        tmp_path / "RD.dcm",
        shape=(13, 13, 13),
        spacing_mm=(2.0, 2.0, 2.0),
        origin_mm=(-12.0, -12.0, -12.0),
        base=30.0,
        gradient=(1.0, 0.0, 0.0),
    )
    cube = [circle(0, 0, z, 5.0) for z in np.arange(-4.0, 4.1, 2.0)]
    rs = write_rtstruct_file(tmp_path / "RS.dcm", [(1, "Cord", cube), (2, "Cord2", cube)])
    out = tmp_path / "o.dcm"
    args = ["map", str(rd), "--fx", "30", "--ab", "10", "--struct", str(rs)]
    result = CliRunner().invoke(
        main, [*args, "--ab-for", "Cord=2", "--ab-for", "Cord2=3", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Cord: alpha/beta 2 Gy in" in result.output
    assert "overlapping voxels take the larger value" in result.output
    grid, back = read_rtdose(rd), read_rtdose(out)
    centre = (6, 6, 6)  # inside both: the larger EQD2 (1 Gy/fx here: that of a/b 3)
    d = grid.dose[centre]
    larger = max(float(eqd2(d, 30, alpha_beta=2)), float(eqd2(d, 30, alpha_beta=3)))
    assert larger == pytest.approx(24.0, rel=1e-6)
    assert back.dose[centre] == pytest.approx(larger, abs=1e-6)
    corner = (0, 0, 0)  # outside: the default a/b 10
    d = grid.dose[corner]
    assert back.dose[corner] == pytest.approx(float(eqd2(d, 30, alpha_beta=10)), abs=1e-6)
    bad = CliRunner().invoke(main, [*args, "--ab-for", "Lung=3", "-o", str(out)])
    assert bad.exit_code == 1 and "no structure named 'Lung'" in bad.output
    alone = CliRunner().invoke(
        main, ["map", str(rd), "--fx", "30", "--ab", "3", "--ab-for", "Cord=2", "-o", str(out)]
    )
    assert alone.exit_code == 2 and "--struct and --ab-for go together" in alone.output


def test_map_plot_draws_the_middle_slice_with_outlines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure
    from rtstruct_factory import circle, write_rtstruct_file

    import radcalc.plot

    rd = write_rtdose_file(
        tmp_path / "RD.dcm",
        shape=(5, 13, 13),
        spacing_mm=(2.0, 2.0, 2.0),
        origin_mm=(-12.0, -12.0, -4.0),  # (x, y, z) as ImagePositionPatient
        base=30.0,
        gradient=(1.0, 0.0, 0.0),
    )
    cord = [circle(0, 0, z, 5.0) for z in (-2.0, 0.0, 2.0)]
    rs = write_rtstruct_file(tmp_path / "RS.dcm", [(1, "Cord", cord)])
    drawn: list[Any] = []
    real_save = radcalc.plot.save_figure

    def capture(path: Any, draw: Any, **kwargs: Any) -> None:
        ax = Figure().add_subplot()
        draw(ax)
        drawn.append(ax)
        real_save(path, draw, **kwargs)

    monkeypatch.setattr(radcalc.plot, "save_figure", capture)
    out, png = tmp_path / "o.dcm", tmp_path / "map.png"
    args = ["map", str(rd), "--fx", "30", "--ab", "3", "--struct", str(rs), "--plot", str(png)]
    result = CliRunner().invoke(main, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert png.stat().st_size > 0 and out.exists()
    (ax,) = drawn
    back = read_rtdose(out)
    mesh = next(c for c in ax.collections if c.get_gid() == "map")
    np.testing.assert_allclose(
        np.asarray(mesh.get_array()).reshape(13, 13), back.dose[2], atol=1e-3
    )
    assert "slice z = 0 mm (3 of 5)" in ax.get_title()
    assert [line.get_gid() for line in ax.lines] == ["Cord:0"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # axial view: y downwards
    bad = CliRunner().invoke(
        main, [*args[:-1], str(tmp_path / "map.xyz"), "-o", str(tmp_path / "n.dcm")]
    )
    assert bad.exit_code == 1 and not (tmp_path / "n.dcm").exists()
    alone = CliRunner().invoke(
        main, ["map", str(rd), "--fx", "30", "--ab", "3", "--struct", str(rs), "-o", str(out)]
    )
    assert alone.exit_code == 2 and "--struct goes with --ab-for" in alone.output
