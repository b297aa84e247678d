"""Incomplete repair: 65 Gy/54 fx twice daily vs 60 Gy/27 fx daily vs 30 Gy/5 fx SBRT.

The schedules of the founding consensus (Li et al. 2024; radcalc.SCHEDULE_PRESETS),
compared by EQD2 for tumour (alpha/beta 10 Gy) and late-responding tissue
(alpha/beta 2 and 3 Gy) across repair half-times of 0.5 to 5 h (Thames 1985
incomplete-repair model; the twice-daily fractions are 6 h apart, the trial's
minimum). The half-times are a grid to explore, not values for any tissue.

Once-daily schedules are unaffected (repair overnight is taken to be complete);
with slow repair the twice-daily schedule loses most of its late-tissue advantage.

Writes a CSV and a markdown table and a PNG figure into $RADCALC_EXAMPLE_OUTPUT
(default: ./output next to this script). Needs matplotlib (pip install ".[plot]" in a clone).

Run: python examples/repair_and_time.py
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

import radcalc

try:
    import matplotlib
except ImportError:  # one line, not a traceback
    raise SystemExit(
        'examples/repair_and_time.py needs matplotlib: pip install ".[plot]" in a clone of radcalc'
    ) from None

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from radcalc.plot import plot_repair_half_times

SCHEDULES = {
    "65 Gy/54 fx BID (6 h)": radcalc.SCHEDULE_PRESETS["hyperfractionated-65-54-bid"].schedule,
    "60 Gy/27 fx daily": radcalc.SCHEDULE_PRESETS["standard-60-27"].schedule,
    "30 Gy/5 fx SBRT": radcalc.SCHEDULE_PRESETS["sbrt-30-5"].schedule,
}
TISSUES = (("tumour", 10.0), ("late tissue", 3.0), ("late tissue", 2.0))  # (name, alpha/beta [Gy])
TABLE_HALF_TIMES = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0])  # [h]
FIGURE_HALF_TIMES = np.linspace(0.5, 5.0, 46)  # [h]


def output_directory() -> Path:
    default = Path(__file__).resolve().parent / "output"
    directory = Path(os.environ.get("RADCALC_EXAMPLE_OUTPUT", default))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def table_rows() -> list[dict[str, object]]:
    """One row per schedule and tissue: EQD2 [Gy] with full repair and per half-time."""
    rows = []
    for tissue, alpha_beta in TISSUES:
        for name, schedule in SCHEDULES.items():
            row: dict[str, object] = {
                "tissue": tissue,
                "alpha_beta_gy": alpha_beta,
                "schedule": name,
                "full_repair": round(schedule.eqd2(alpha_beta), 2),
            }
            eqd2 = schedule.eqd2(alpha_beta, repair_half_time_hours=TABLE_HALF_TIMES)
            for half_time, value in zip(TABLE_HALF_TIMES, eqd2, strict=True):
                row[f"t_half_{half_time:g}h"] = round(float(value), 2)
            rows.append(row)
    return rows


def write_tables(rows: list[dict[str, object]], directory: Path) -> str:
    columns = list(rows[0])
    with open(directory / "repair_and_time.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    header = ["tissue", "alpha/beta [Gy]", "schedule", "full repair"] + [
        f"T½ {h:g} h" for h in TABLE_HALF_TIMES
    ]
    lines = [
        "EQD2 [Gy] (Thames 1985 incomplete repair; once-daily courses fully repaired)",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        tissue, alpha_beta, schedule, *eqd2 = row.values()
        cells = [str(tissue), f"{alpha_beta:g}", str(schedule)] + [f"{v:.2f}" for v in eqd2]
        lines.append("| " + " | ".join(cells) + " |")
    markdown = "\n".join(lines) + "\n"
    (directory / "repair_and_time.md").write_text(markdown)
    return markdown


def write_figure(directory: Path) -> Path:
    """One panel per tissue, drawn by radcalc.plot.plot_repair_half_times."""
    figure, axes = plt.subplots(1, len(TISSUES), figsize=(12, 4), sharex=True)
    for axis, (tissue, alpha_beta) in zip(axes, TISSUES, strict=True):
        plot_repair_half_times(
            SCHEDULES,
            alpha_beta=alpha_beta,
            half_times_hours=FIGURE_HALF_TIMES,
            ax=axis,
            title=f"{tissue} (α/β {alpha_beta:g} Gy)",
        )
    for axis in axes[1:]:
        axis.set_ylabel("")
    axes[0].legend(fontsize="small")
    figure.suptitle("Incomplete repair between same-day fractions (Thames 1985)")
    figure.tight_layout()
    path = directory / "repair_and_time.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> None:
    directory = output_directory()
    print(write_tables(table_rows(), directory))
    print(f"figure: {write_figure(directory)}")


if __name__ == "__main__":
    main()
