"""``radcalc map`` and ``radcalc accumulate``: EQD2/BED maps of DICOM RT Dose files.

Registered in :data:`radcalc.cli.LAZY_COMMANDS`, so pydicom and scipy are
imported only when one of these commands runs. No arithmetic here: the
library (:mod:`radcalc.dosemap`, :mod:`radcalc.accumulation`,
:mod:`radcalc.dicom.rtdose`) does it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from radcalc._files import read_text
from radcalc.errors import InvalidInputError
from radcalc.recovery import parse_interval

F = TypeVar("F", bound=Callable[..., Any])

_QUANTITY = click.Choice(["eqd2", "bed"], case_sensitive=False)


def _output_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=help_text,
    )


def _comment(quantity: str, alpha_beta: float, fractions: str) -> str:
    return f"{quantity} LQ a/b {alpha_beta:g} Gy {fractions} fx"[:64]


@click.command("map")
@click.argument("rtdose", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--fx", "fractions", type=int, required=True, help="Number of fractions.")
@click.option("--ab", "alpha_beta", type=float, required=True, help="Alpha/beta [Gy].")
@click.option("--quantity", type=_QUANTITY, default="eqd2", show_default=True)
@click.option(
    "--prescription",
    type=float,
    help="Only for RT Dose files in RELATIVE units: the dose [Gy] a relative 1.0 stands for.",
)
@click.option(
    "--struct",
    "rtstruct",
    type=click.Path(dir_okay=False, path_type=Path),
    help="RT Structure Set of the same frame, for --ab-for.",
)
@click.option(
    "--ab-for",
    "ab_for",
    multiple=True,
    metavar="NAME=VALUE",
    help="Alpha/beta [Gy] of one structure of --struct (voxels at least half inside; "
    "overlaps take the larger converted dose); repeat for several.",
)
@click.option(
    "--description",
    help="DoseComment (at most 64 characters); default names "
    "the quantity, model, alpha/beta and fractions.",
)
@click.option(
    "--plot",
    "plot_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Also draw the middle axial slice of the map as a figure, e.g. map.png, with the "
    "outlines of --struct on that slice (needs matplotlib: pip install '.[plot]').",
)
@_output_option("The RT Dose file to write.")
def map_command(
    rtdose: Path,
    fractions: int,
    alpha_beta: float,
    quantity: str,
    prescription: float | None,
    rtstruct: Path | None,
    ab_for: tuple[str, ...],
    description: str | None,
    plot_file: str | None,
    output: Path,
) -> None:
    """Convert an RT Dose file to an EQD2 or BED map, voxel by voxel.

    Each voxel is converted with its OWN dose per fraction (voxel dose / --fx),
    not the prescription's. The map is written as a new RT Dose (same patient,
    study and frame of reference; DoseType EFFECTIVE) that planning systems load.

    \b
    radcalc map RD.dcm --fx 35 --ab 3 -o RD_eqd2.dcm

    With a figure of the middle slice and structure outlines:
    radcalc map RD.dcm --fx 35 --ab 3 --struct RS.dcm --plot map.png -o RD_eqd2.dcm
    """
    from radcalc.dicom.rtdose import read_rtdose, write_rtdose
    from radcalc.dosemap import convert_grid

    grid = read_rtdose(rtdose, prescription_gy=prescription)
    if grid.quantity != "physical":
        raise InvalidInputError(
            f"{rtdose}: already a {grid.quantity} map (written by radcalc); "
            "convert the physical dose instead"
        )
    name = quantity.upper()
    if rtstruct is not None and not ab_for and plot_file is None:
        raise click.UsageError("--struct goes with --ab-for (or with --plot, for outlines)")
    structures = _structures_for(
        rtstruct if ab_for else None, ab_for, grid.frame_of_reference_uid, rtdose
    )
    converted, notes = convert_grid(
        grid, fractions, alpha_beta=alpha_beta, quantity=name, alpha_beta_for=structures
    )
    values = converted.dose
    if plot_file is not None:  # before the RT Dose: a bad file name writes nothing
        _plot_middle_slice(plot_file, converted, name, alpha_beta, fractions, rtstruct, rtdose)
    comment = description or _comment(name, alpha_beta, str(fractions))
    write_rtdose(
        output,
        values,
        like=grid,
        description=comment,
        quantity=name,
        derivation=(
            f"LQ {name} of each voxel with its own dose per fraction (dose / {fractions}), "
            f"alpha/beta {alpha_beta:g} Gy"
        ),
    )
    click.echo(
        f"wrote {output}: {name} [Gy], LQ, alpha/beta {alpha_beta:g} Gy, {fractions} fx, "
        f"each voxel's own dose per fraction; max {float(values.max()):.2f} Gy "
        f"(physical max {grid.max_gy:.2f} Gy)"
    )
    for note in notes:
        click.echo(f"  {note}")


def _plot_middle_slice(
    plot_file: str,
    converted: Any,
    name: str,
    alpha_beta: float,
    fractions: int,
    rtstruct: Path | None,
    rtdose: Path,
) -> None:
    """``map --plot``: the middle axial slice with the outlines of ``rtstruct`` on it."""
    import numpy as np

    from radcalc.plot import plot_eqd2_map, save_figure

    k = converted.shape[0] // 2
    z = float(converted.z_mm[k])
    outlines: dict[str, list[Any]] = {}
    if rtstruct is not None:
        from radcalc.dicom.rtstruct import read_rtstruct

        structure_set = read_rtstruct(rtstruct)
        other = structure_set.frame_of_reference_uid
        frame = converted.frame_of_reference_uid
        if frame and other and frame != other:
            raise InvalidInputError(
                f"{rtstruct}: frame of reference {other} differs from the dose's {frame} ({rtdose})"
            )
        # a contour belongs to the slice when its plane is within half a slice of it
        half = 0.5 * (
            converted.spacing_mm[0]
            if converted.shape[0] > 1
            else (converted.slice_thickness_mm or 0.02)
        )
        for structure in structure_set:
            on_slice = [c.xy_mm for c in structure.contours if abs(c.z_mm - z) <= half]
            if on_slice:
                outlines[structure.name] = on_slice
    title = (
        f"{name}, alpha/beta {alpha_beta:g} Gy, {fractions} fx: slice z = {z:g} mm "
        f"({k + 1} of {converted.shape[0]})"
    )

    def draw(ax: Any) -> None:
        plot_eqd2_map(
            np.asarray(converted.dose[k], dtype=np.float64),
            x_mm=converted.x_mm,
            y_mm=converted.y_mm,
            outlines=outlines,
            ax=ax,
            label=f"{name} [Gy]",
            title=title,
        )
        ax.invert_yaxis()  # the usual axial view: patient y (posterior) downwards

    save_figure(plot_file, draw, figsize=(7.0, 6.0))


def _structures_for(
    rtstruct: Path | None, ab_for: tuple[str, ...], frame: str, rtdose: Path
) -> dict[Any, float]:
    """``--ab-for NAME=VALUE`` entries as {Structure: alpha/beta} from ``--struct``."""
    if not ab_for and rtstruct is None:
        return {}
    if rtstruct is None or not ab_for:
        raise click.UsageError("--struct and --ab-for go together")
    from radcalc._cli_dvh import _alpha_beta_for
    from radcalc.dicom.rtstruct import read_rtstruct

    structure_set = read_rtstruct(rtstruct)
    other = structure_set.frame_of_reference_uid
    if frame and other and frame != other:
        raise InvalidInputError(
            f"{rtstruct}: frame of reference {other} differs from the dose's {frame} ({rtdose})"
        )
    mapping = _alpha_beta_for(ab_for, structure_set.names)
    return {structure_set[name]: value for name, value in mapping.items()}


def _course(text: str) -> tuple[Path, int]:
    path, sep, fractions = text.rpartition(":")
    try:
        number = int(fractions)
    except ValueError:
        number = 0
    if not sep or not path or number <= 0:
        raise InvalidInputError(
            f"--course must be FILE:FRACTIONS with a whole number of fractions > 0, "
            f"e.g. RD1.dcm:35, got {text!r}"
        )
    return Path(path), number


def _transform(text: str, n_courses: int) -> tuple[int, object]:
    index_text, sep, file = text.partition(":")
    if not sep or not index_text.isdigit() or not 1 <= int(index_text) <= n_courses:
        raise InvalidInputError(
            f"--transform must be COURSE:FILE with COURSE in 1..{n_courses}, got {text!r}"
        )
    rows = [line.split() for line in read_text(file).splitlines() if line.strip()]
    rows = [row for row in rows if not row[0].startswith("#")]
    try:
        matrix = [[float(v) for v in row] for row in rows]
    except ValueError as exc:
        raise InvalidInputError(f"{file}: a transform file holds 4 rows of 4 numbers") from exc
    return int(index_text) - 1, matrix


@click.command("accumulate")
@click.option(
    "--course",
    "courses",
    multiple=True,
    required=True,
    metavar="FILE:FX",
    help="An RT Dose file of physical dose and its number of fractions, oldest first "
    "(e.g. --course RD1.dcm:35 --course RD2.dcm:30).",
)
@click.option(
    "--interval",
    "intervals",
    multiple=True,
    metavar="TIME",
    help="One fewer than --course: end of a course to start of the next, e.g. 24m, 540d, "
    "1.5y (a bare number is months).",
)
@click.option("--ab", "alpha_beta", type=float, required=True, help="Alpha/beta [Gy].")
@click.option(
    "--recovery",
    default="none",
    show_default=True,
    help="Recovery model of earlier courses (as for radcalc reirradiation): none, "
    "step-cord-2021, constant:<f>, linear:..., exponential:... or a TOML file.",
)
@click.option("--organ", help="The table to use when --recovery is a TOML file.")
@click.option("--quantity", type=_QUANTITY, default="eqd2", show_default=True)
@click.option(
    "--reference",
    type=int,
    help="The course (1 = oldest) whose grid the sum is written on; default the newest.",
)
@click.option(
    "--transform",
    "transforms",
    multiple=True,
    metavar="COURSE:FILE",
    help="Rigid registration of a course: a text file of 4 rows of 4 numbers mapping that "
    "course's frame to the reference course's frame [mm]. Required for a course in another "
    "frame of reference.",
)
@click.option(
    "--outside",
    type=click.Choice(["error", "zero"]),
    default="error",
    show_default=True,
    help="Reference voxels outside a course's dose grid: refuse, or take 0 Gy (reported).",
)
@click.option(
    "--struct",
    "structs",
    multiple=True,
    metavar="FILE",
    help="RT Structure Set of each course, in --course order: with --structure, the "
    "per-structure sum of metrics (no registration needed).",
)
@click.option(
    "--structure",
    help="ROI name (or an organ name matched to each course's ROI names, TG-263): print "
    "the conservative per-structure sum of --metric over courses.",
)
@click.option(
    "--metric",
    default="Dmax",
    show_default=True,
    help="Dose metric for --structure (Dmax, D0.03cc, D2cc, ...); only Dmax gives an upper "
    "bound of the registered voxel sum.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The RT Dose file to write (the cumulative voxel map); needed unless --structure.",
)
def accumulate_command(
    courses: tuple[str, ...],
    intervals: tuple[str, ...],
    alpha_beta: float,
    recovery: str,
    organ: str | None,
    quantity: str,
    reference: int | None,
    transforms: tuple[str, ...],
    outside: str,
    structs: tuple[str, ...],
    structure: str | None,
    metric: str,
    output: Path | None,
) -> None:
    """Cumulative EQD2 (or BED) of several courses: a voxel map, or a structure's metric.

    Each course's physical dose is resampled (trilinear) onto the reference
    course's grid, converted with each voxel's own dose per fraction, and
    summed with earlier courses discounted by --recovery. Courses in another
    frame of reference need a --transform.

    Without registration (--structure with a --struct per course), the
    conservative per-structure sum: each course's metric of its own EQD2/BED
    DVH (each voxel's own dose per fraction), weighted by recovery and summed,
    e.g. Dmax + Dmax. The output names the method used.

    \b
    radcalc accumulate --course RD1.dcm:35 --course RD2.dcm:30 --interval 24m \\
        --ab 2 --recovery step-cord-2021 -o RD_sum_eqd2.dcm
    radcalc accumulate --course RD1.dcm:35 --course RD2.dcm:30 --interval 24m \\
        --ab 2 --struct RS1.dcm --struct RS2.dcm --structure SpinalCord --metric D0.03cc
    """
    from radcalc.dicom.rtdose import read_rtdose

    parsed = [_course(text) for text in courses]
    if structure is None and output is None:
        raise click.UsageError("give -o/--output (the voxel map) and/or --structure")
    if structs and structure is None:
        raise click.UsageError("--struct is for --structure (the per-structure sum)")
    if structure is not None and len(structs) != len(parsed):
        raise click.UsageError(
            f"--structure needs one --struct per --course ({len(parsed)}), got {len(structs)}"
        )
    matrices: list[object] = [None] * len(parsed)
    for text in transforms:
        index, matrix = _transform(text, len(parsed))
        matrices[index] = matrix
    grids = [read_rtdose(path) for path, _ in parsed]
    if reference is not None and not 1 <= reference <= len(parsed):
        raise InvalidInputError(f"--reference must be in 1..{len(parsed)}, got {reference}")
    if structure is not None:
        _structure_sum(
            grids,
            [Path(s) for s in structs],
            structure,
            metric,
            fractions=[n for _, n in parsed],
            intervals_months=[parse_interval(t) for t in intervals],
            alpha_beta=alpha_beta,
            recovery=recovery,
            organ=organ,
            quantity=quantity.upper(),
        )
    if output is not None:
        _voxel_sum(
            grids,
            parsed,
            intervals=intervals,
            alpha_beta=alpha_beta,
            recovery=recovery,
            organ=organ,
            quantity=quantity.upper(),
            reference=reference,
            matrices=matrices,
            outside=outside,
            output=output,
        )


def _structure_sum(
    grids: list[Any],
    structs: list[Path],
    structure: str,
    metric: str,
    **options: Any,
) -> None:
    """Print the per-structure sum of one metric over courses (no registration)."""
    from radcalc.accumulation import sum_structure_metric
    from radcalc.dicom.rtstruct import read_rtstruct
    from radcalc.plan import match_structure

    pairs = []
    for i, (grid, path) in enumerate(zip(grids, structs, strict=True)):
        structure_set = read_rtstruct(path)
        mine, theirs = grid.frame_of_reference_uid, structure_set.frame_of_reference_uid
        if mine and theirs and mine != theirs:
            raise InvalidInputError(
                f"{path}: frame of reference {theirs} differs from the dose's {mine} "
                f"({grid.source}); give each course's own structure set, in --course order"
            )
        try:
            name = match_structure(structure, structure_set.names, structure=None)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{path} (course {i + 1}): {exc}") from None
        pairs.append((grid, structure_set[name]))
    result = sum_structure_metric(pairs, metric, **options)
    click.echo(f"method: {result.method}")
    click.echo(result.describe())


def _voxel_sum(
    grids: list[Any],
    parsed: list[tuple[Path, int]],
    *,
    intervals: tuple[str, ...],
    alpha_beta: float,
    recovery: str,
    organ: str | None,
    quantity: str,
    reference: int | None,
    matrices: list[object],
    outside: str,
    output: Path,
) -> None:
    """Write the cumulative voxel map (resampled onto the reference course's grid)."""
    from radcalc.accumulation import accumulate_courses
    from radcalc.dicom.rtdose import write_rtdose

    name = quantity
    result = accumulate_courses(
        grids,
        fractions=[n for _, n in parsed],
        intervals_months=[parse_interval(t) for t in intervals],
        alpha_beta=alpha_beta,
        recovery=recovery,
        organ=organ,
        quantity=name,
        reference=-1 if reference is None else reference - 1,
        transforms=matrices,
        outside=outside,
    )
    fx = "+".join(str(n) for _, n in parsed)
    comment = _comment(f"sum {name}", alpha_beta, fx)
    write_rtdose(
        output,
        result.grid,
        like=grids[result.reference],
        description=comment,
        sources=grids,
        summation="MULTI_PLAN" if len(grids) > 1 else None,
        spatial_transform="RIGID" if any(m is not None for m in matrices) else "NONE",
        derivation=result.describe().replace("\n", "; "),
    )
    click.echo(f"method: {result.method} (resampled and summed per voxel)")
    click.echo(result.describe())
    click.echo(f"wrote {output}")
