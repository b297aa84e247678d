"""Compare the schedules of the founding consensus (Li et al. IJROBP 2024).

EQD2 and BED at alpha/beta 10 Gy (tumour), 3 Gy (late head-and-neck tissue)
and 2 Gy (spinal cord), plain LQ (full repair between fractions, no time
factor). Run: ``python examples/consensus_schedules.py``.
"""

from __future__ import annotations

import numpy as np

import radcalc

ALPHA_BETAS = np.array([10.0, 3.0, 2.0])  # [Gy]


def main() -> None:
    presets = list(radcalc.SCHEDULE_PRESETS.values())
    doses = np.array([p.schedule.dose for p in presets])[:, None]
    fractions = np.array([p.schedule.fractions for p in presets])[:, None]
    # One vectorized call per quantity: schedules down, alpha/beta across.
    eqd2 = radcalc.eqd2(doses, fractions, alpha_beta=ALPHA_BETAS)
    bed = radcalc.bed(doses, fractions, alpha_beta=ALPHA_BETAS)

    header = "".join(f"  EQD2 a/b={ab:g}" for ab in ALPHA_BETAS)
    print(f"{'preset':<29}{'Gy':>5}{'fx':>4}{'/day':>5}{'Gy/fx':>7}{header}  BED a/b=10")
    for preset, row, bed10 in zip(presets, eqd2, bed[:, 0], strict=True):
        s = preset.schedule
        cells = "".join(f"{value:>13.2f}" for value in row)
        print(
            f"{preset.name:<29}{s.dose:>5g}{s.fractions:>4}{s.fractions_per_day:>5}"
            f"{s.dose_per_fraction:>7.3f}{cells}{bed10:>12.2f}"
        )
    print()
    print("Plain LQ: full repair between fractions, no overall-time factor.")
    print("Li 2024 (Table 1, 5b and 5d) asks for a re-RT EQD2 of 60-66 Gy with <= 2 Gy per")
    print("fraction; the EQD2 column at alpha/beta 10 Gy is the usual (assumed) tumour value.")


if __name__ == "__main__":
    main()
