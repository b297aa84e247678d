"""``python -m radcalc`` is the same as the ``radcalc`` command."""

import sys


def main() -> None:
    """The ``radcalc`` command: the plainest ``eqd2``/``bed`` calls without click (fast
    start, :mod:`radcalc._cli_fast`), everything else by :mod:`radcalc.cli`."""
    from radcalc._cli_fast import run

    if run(sys.argv[1:]):
        return
    from radcalc.cli import main as click_main

    click_main(prog_name="radcalc")


if __name__ == "__main__":  # pragma: no cover
    main()
