"""``radcalc eqd2``/``radcalc bed`` in their plainest form without importing click.

Start-up is most of the time of a one-line command, and click with the full
command table costs about a tenth of it. :func:`run` answers exactly
``radcalc eqd2|bed --dose D --fx N --ab A [--ab A ...]`` (options in any
order, each number once except ``--ab``) by the same library calls and the
same output line as :mod:`radcalc.cli`; anything else (another option,
``--help``, a value click would reject, an invalid input, a note, a
non-finite result) returns False **before printing anything**, and the click
command runs instead and answers it (tests compare the two outputs).
"""

from __future__ import annotations

import math
import sys

__all__ = ["gy", "run"]


def gy(value: float) -> str:
    """A dose for the terminal: two decimals, or 4 significant digits beyond 1e7 Gy.

    Extreme but finite results (an α/β of 1e-300 Gy gives a BED of 2e300 Gy) would
    otherwise print as 300 digits. Shared with :mod:`radcalc.cli` (one format).
    """
    return f"{value:.2f}" if abs(value) < 1e7 else f"{value:.4g}"


def run(argv: list[str]) -> bool:
    """Answer ``argv`` (without the program name) and return True, or return False."""
    if len(argv) < 7 or argv[0] not in ("eqd2", "bed") or len(argv) % 2 == 0:
        return False
    dose: float | None = None
    fractions: int | None = None
    alpha_betas: list[float] = []
    try:
        for option, text in zip(argv[1::2], argv[2::2], strict=True):
            if option == "--ab":
                alpha_betas.append(float(text) + 0.0)  # -0 reads as 0, as in cli
            elif option == "--dose" and dose is None:
                dose = float(text) + 0.0
            elif option == "--fx" and fractions is None:
                fractions = int(text)
            else:
                return False
    except ValueError:
        return False  # click words the usage error
    if dose is None or fractions is None or not alpha_betas:
        return False
    return _answer(argv[0], dose, fractions, alpha_betas)


def _answer(primary: str, dose: float, fractions: int, alpha_betas: list[float]) -> bool:
    from radcalc._notes import collect_notes
    from radcalc.errors import RadcalcError
    from radcalc.schedules import Schedule

    lines = []
    order = ("eqd2", "bed") if primary == "eqd2" else ("bed", "eqd2")
    try:
        with collect_notes() as notes:
            schedule = Schedule(dose, fractions, fractions_per_day=1)
            for alpha_beta in alpha_betas:
                values = {"bed": schedule.bed(alpha_beta), "eqd2": schedule.eqd2(alpha_beta)}
                if not all(math.isfinite(v) for v in (*values.values(), alpha_beta)):
                    return False
                lines.append(
                    f"{schedule.describe()}, alpha/beta {alpha_beta:g} Gy: "
                    + ", ".join(f"{key.upper()} {gy(values[key])} Gy" for key in order)
                )
    except RadcalcError:
        return False
    if notes or not math.isfinite(schedule.dose_per_fraction):
        return False
    sys.stdout.write("".join(f"{line}\n" for line in lines))
    return True
