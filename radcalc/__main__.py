"""``python -m radcalc`` is the same as the ``radcalc`` command."""

from radcalc.cli import main

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="radcalc")
