"""``radcalc dvh``: DVH metrics of structures from DICOM RT Dose and RT Structure Set files,
or from a DVH text export of a planning system (Eclipse, RayStation, Monaco).

Registered lazily in :data:`radcalc.cli.LAZY_COMMANDS`, so ``radcalc eqd2``
never imports pydicom. No arithmetic here: the library computes, this prints.
"""

from __future__ import annotations

import json
from typing import Any

import click

from radcalc._tables import text_table
from radcalc.dicom.rtdose import read_rtdose
from radcalc.dicom.rtstruct import read_rtstruct
from radcalc.dosevolume.exports import FORMATS, DVHExport, read_dvh_export
from radcalc.dosevolume.histogram import DVH, dvh
from radcalc.dosevolume.metrics import Metric, parse_metric
from radcalc.errors import InvalidInputError
from radcalc.structures import Structure

DEFAULT_METRICS = ("Dmax", "D0.03cc", "D2cc", "Dmean", "D95%", "Dmin")


def _alpha_beta_for(entries: tuple[str, ...], names: tuple[str, ...]) -> dict[str, float]:
    """``NAME=VALUE`` options to a mapping; every NAME must be a structure of the file."""
    mapping: dict[str, float] = {}
    for entry in entries:
        name, separator, text = entry.rpartition("=")
        if not separator or not name:
            raise InvalidInputError(f"--ab-for must be NAME=VALUE, got {entry!r}")
        try:
            value = float(text)
        except ValueError:
            raise InvalidInputError(
                f"--ab-for {entry!r}: the alpha/beta must be a number"
            ) from None
        if name not in names:
            raise InvalidInputError(
                f"--ab-for {entry!r}: no structure named {name!r}; the structures are "
                f"{', '.join(map(repr, names))}"
            )
        mapping[name] = value
    return mapping


def _cell(h: DVH, metric: Metric) -> tuple[str, float | None, str | None]:
    """Text cell, value and (on failure) the reason, of one metric."""
    try:
        value = h.metric(metric)
    except InvalidInputError as exc:
        return "-", None, str(exc)
    return f"{value:.2f}", value, None


@click.command("dvh")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False), metavar="FILES..."
)
@click.option(
    "--structure",
    "structure_names",
    multiple=True,
    metavar="NAME",
    help="A structure (exact ROI name); repeat for several. Default: every structure "
    "with contours (with a volume, for an export).",
)
@click.option(
    "--metric",
    "metric_texts",
    multiple=True,
    metavar="M",
    help="Dmax, Dmin, Dmean, D<x>% (D95%), D<x>cc (D0.03cc), V<x>Gy [cc] or V<x>Gy% ; "
    f"repeat for several. Default: {', '.join(DEFAULT_METRICS)}.",
)
@click.option(
    "--fx",
    "fractions",
    type=float,
    help="Fractions of the course: EQD2/BED DVHs (for an export that states its fractions, "
    "default the file's).",
)
@click.option("--ab", "alpha_beta", type=float, help="Default alpha/beta [Gy] (with --fx).")
@click.option(
    "--ab-for",
    "ab_for",
    multiple=True,
    metavar="NAME=VALUE",
    help="Alpha/beta [Gy] of one structure, overriding --ab; repeat for several.",
)
@click.option(
    "--quantity",
    type=click.Choice(["eqd2", "bed"]),
    default="eqd2",
    show_default=True,
    help="Quantity of converted DVHs (with --fx/--ab).",
)
@click.option(
    "--format",
    "export_format",
    type=click.Choice(FORMATS),
    help="Format of a DVH export (default: detected from the content).",
)
@click.option(
    "--volume",
    "volumes",
    multiple=True,
    metavar="NAME=CC",
    help="Volume [cm³] of a structure whose export gives none (RayStation; Monaco in %), for "
    "cc metrics; repeat for several.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False),
    help="Also draw the DVHs (physical dashed, EQD2 solid; needs --fx and --ab) into an image "
    "file, e.g. dvh.png (needs matplotlib).",
)
def dvh_command(
    files: tuple[str, ...],
    structure_names: tuple[str, ...],
    metric_texts: tuple[str, ...],
    fractions: float | None,
    alpha_beta: float | None,
    ab_for: tuple[str, ...],
    quantity: str,
    export_format: str | None,
    volumes: tuple[str, ...],
    as_json: bool,
    plot_file: str | None,
) -> None:
    """DVH metrics of structures: RTDOSE RTSTRUCT (DICOM), or one DVH EXPORT text file.

    \b
    radcalc dvh RD.dcm RS.dcm [options]        total dose of the course + structures
    radcalc dvh EXPORT.txt [options]           Eclipse, RayStation or Monaco DVH export

    Doses are in Gy. With --fx N and --ab A the metrics are in EQD2 (or BED),
    computed per voxel (DICOM) or per dose point of the exported DVH, each with
    its own dose per fraction; --ab is the required default and --ab-for
    NAME=VALUE sets one structure's alpha/beta. DICOM masks: exact partial
    volumes, half-slice end-caps, sub-voxel dose sampling (see the
    radcalc.dosevolume docs). Exit status 1 when a file or a structure cannot
    be used (the other structures are still printed).
    """
    if len(files) not in (1, 2):
        raise click.UsageError(
            f"give one DVH export, or an RT Dose and an RT Structure Set file; got {len(files)} "
            "files"
        )
    if ab_for and alpha_beta is None:
        raise click.UsageError("--ab-for needs --fx and the default --ab")
    if plot_file is not None and alpha_beta is None:
        raise click.UsageError("--plot needs --fx and --ab (it draws physical dose and EQD2)")
    metrics = [parse_metric(m) for m in (metric_texts or DEFAULT_METRICS)]
    if len(files) == 1:
        if fractions is not None and alpha_beta is None:
            raise click.UsageError("--fx needs --ab (an EQD2/BED DVH needs both)")
        _export_command(
            files[0], structure_names, metrics, fractions, alpha_beta, ab_for, quantity,
            export_format, volumes, as_json, plot_file,
        )  # fmt: skip
        return
    if export_format is not None or volumes:
        raise click.UsageError("--format and --volume are for a DVH export (one file)")
    if (fractions is None) != (alpha_beta is None):
        raise click.UsageError("--fx and --ab go together (an EQD2/BED DVH needs both)")
    rtdose, rtstruct = files
    grid = read_rtdose(rtdose)
    structure_set = read_rtstruct(rtstruct)
    if (
        grid.frame_of_reference_uid
        and structure_set.frame_of_reference_uid
        and grid.frame_of_reference_uid != structure_set.frame_of_reference_uid
    ):
        raise InvalidInputError(
            f"{rtstruct}: frame of reference {structure_set.frame_of_reference_uid} differs "
            f"from the dose's {grid.frame_of_reference_uid} ({rtdose}); the contours do not "
            "belong to this dose"
        )
    overrides = _alpha_beta_for(ab_for, structure_set.names)
    if structure_names:
        chosen: list[Structure] = [structure_set[name] for name in structure_names]
    else:
        chosen = [s for s in structure_set if not s.is_empty]
        for s in structure_set:
            if s.is_empty:
                click.echo(f"note: {s.name!r} has no contours; skipped", err=True)
    physical: dict[str, DVH] = {}
    shown: dict[str, DVH] = {}
    used_ab: dict[str, float] = {}
    failures: list[str] = []
    for structure in chosen:
        try:
            h = dvh(grid, structure)
        except InvalidInputError as exc:
            failures.append(str(exc))
            continue
        physical[structure.name] = h
        if fractions is not None and alpha_beta is not None:
            ab = overrides.get(structure.name, alpha_beta)
            used_ab[structure.name] = ab
            convert = h.to_eqd2 if quantity == "eqd2" else h.to_bed
            h = convert(fractions=fractions, alpha_beta=ab)
        shown[structure.name] = h
    _report(
        {"rtdose": str(rtdose), "rtstruct": str(rtstruct)},
        shown,
        physical,
        used_ab,
        metrics,
        fractions,
        quantity if alpha_beta is not None else None,
        as_json,
        plot_file,
        failures,
        numbers={name: structure_set[name].number for name in shown},
        per="voxel",
    )


def _volumes_for(entries: tuple[str, ...]) -> dict[str, float]:
    """``--volume NAME=CC`` options to a mapping (names are checked by the reader)."""
    mapping: dict[str, float] = {}
    for entry in entries:
        name, separator, text = entry.rpartition("=")
        if not separator or not name:
            raise InvalidInputError(f"--volume must be NAME=CC, got {entry!r}")
        try:
            mapping[name] = float(text)
        except ValueError:
            raise InvalidInputError(f"--volume {entry!r}: the volume must be a number") from None
    return mapping


def _export_command(
    path: str,
    structure_names: tuple[str, ...],
    metrics: list[Metric],
    fractions: float | None,
    alpha_beta: float | None,
    ab_for: tuple[str, ...],
    quantity: str,
    export_format: str | None,
    volumes: tuple[str, ...],
    as_json: bool,
    plot_file: str | None,
) -> None:
    export: DVHExport = read_dvh_export(path, format=export_format, volume_cc=_volumes_for(volumes))
    for name in export.empty:
        click.echo(f"note: {name!r} has zero volume in the file; skipped", err=True)
    overrides = _alpha_beta_for(ab_for, export.names)
    names = list(structure_names) if structure_names else list(export.names)
    physical = {name: export[name] for name in names}
    shown = dict(physical)
    used_ab: dict[str, float] = {}
    if alpha_beta is not None:
        n = export.resolve_fractions(fractions)
        fractions = n
        for name, h in physical.items():
            used_ab[name] = overrides.get(name, alpha_beta)
            convert = h.to_eqd2 if quantity == "eqd2" else h.to_bed
            shown[name] = convert(fractions=n, alpha_beta=used_ab[name])
    _report(
        {
            "export": str(path),
            "format": export.format,
            "patient_id": export.patient_id,
            "patient_name": export.patient_name,
            "plan": export.plan,
            "prescription_gy": export.prescription_gy,
            "empty": list(export.empty),
        },
        shown,
        physical,
        used_ab,
        metrics,
        fractions,
        quantity if alpha_beta is not None else None,
        as_json,
        plot_file,
        [],
        numbers=None,
        per="dose point of the exported DVH",
    )


def _volume_cc(h: DVH) -> float | None:
    try:
        return h.volume_cc
    except InvalidInputError:
        return None


def _report(
    files: dict[str, Any],
    shown: dict[str, DVH],
    physical: dict[str, DVH],
    used_ab: dict[str, float],
    metrics: list[Metric],
    fractions: float | None,
    quantity: str | None,
    as_json: bool,
    plot_file: str | None,
    failures: list[str],
    *,
    numbers: dict[str, int] | None,
    per: str,
) -> None:
    """Print the table or JSON of the shown DVHs, the notes, the plot; fail on failures."""
    unit = "Gy" if quantity is None else f"Gy {quantity.upper()}"
    records = []
    rows = []
    notes: list[str] = []
    for name, h in shown.items():
        volume = _volume_cc(h)
        record: dict[str, Any] = {"name": name}
        if numbers is not None:
            record["number"] = numbers[name]
        record.update(
            {
                "volume_cc": volume,
                "quantity": h.quantity,
                "alpha_beta": used_ab.get(name),
                "metrics": {},
                "convention": h.convention,
            }
        )
        row = [name, "-" if volume is None else f"{volume:.3f}"]
        for metric in metrics:
            text, value, reason = _cell(h, metric)
            row.append(text)
            record["metrics"][metric.text] = {
                "value": value,
                "unit": unit if metric.is_dose else metric.result_unit,
            }
            if reason is not None:
                record["metrics"][metric.text]["error"] = reason
                notes.append(reason)
        if used_ab:
            row.append(f"{used_ab[name]:g}")
        rows.append(row)
        records.append(record)
    if as_json:
        document = {
            **files,
            "fractions": fractions,
            "quantity": "physical" if quantity is None else quantity.upper(),
            "structures": records,
            "errors": failures,
        }
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        headers = ["structure", "volume [cc]"] + [
            f"{m.text} [{unit if m.is_dose else m.result_unit}]" for m in metrics
        ]
        if used_ab:
            headers.append("α/β [Gy]")
        for line in text_table(headers, rows):
            click.echo(line)
        if shown:
            first = next(iter(shown.values()))
            click.echo(f"Convention: {first.convention}.")
            if quantity is not None and fractions is not None:
                click.echo(
                    f"{quantity.upper()} per {per} with its own dose per fraction, "
                    f"{fractions:g} fractions."
                )
    for note in notes:
        click.echo(f"note: {note}", err=True)
    if plot_file is not None and physical and fractions is not None:
        from radcalc.plot import plot_dvh, save_figure

        unit_of_plot = "cc" if all(_volume_cc(h) for h in physical.values()) else "%"
        save_figure(
            plot_file,
            lambda ax: plot_dvh(
                physical, fractions=fractions, alpha_beta=used_ab, volume_unit=unit_of_plot, ax=ax
            ),
        )
    if failures:
        raise click.ClickException("; ".join(failures))
