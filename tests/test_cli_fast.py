"""The click-free answer of ``radcalc eqd2|bed`` (radcalc._cli_fast) equals the click command's.

Either the fast path prints exactly what the click command prints (same
stdout, nothing on stderr, exit status 0), or it prints nothing and declines.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from radcalc import _cli_fast
from radcalc.cli import main

ANSWERED = [
    "eqd2 --dose 65 --fx 54 --ab 10",
    "bed --dose 60 --fx 30 --ab 3 --ab 10",
    "eqd2 --ab 3 --fx 5 --dose 30",
    "eqd2 --dose -0 --fx 5 --ab 3",
    "eqd2 --dose 1e-3 --fx 1 --ab 0.5",
    "bed --dose 70.0 --fx +35 --ab 2.5",
]

DECLINED = [
    "eqd2 --dose 24 --fx 1 --ab 3",  # a note (LQ range)
    "eqd2 --dose 65 --fx 54",  # --ab missing
    "eqd2 --dose 65 --fx 54 --ab nan",  # invalid input
    "eqd2 --dose 65 --fx 54 --ab -3",
    "eqd2 --dose 65 --fx 5.5 --ab 3",  # click's usage error
    "eqd2 --dose 65 --dose 60 --fx 5 --ab 3",  # click takes the last one
    "eqd2 --dose=65 --fx 54 --ab 10",
    "eqd2 --dose 65 --fx 54 --ab 10 --json",
    "eqd2 --schedule 65/54 --ab 10 --fx 1",
    "eqd2 --dose 1e308 --fx 1 --ab 1e-300",  # overflow
    "solve --eqd2 60 --fx 30 --ab 3",
    "eqd2 --help --fx 1 --ab 3",
]


def _click(argv: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, argv)
    return result.exit_code, result.output


@pytest.mark.parametrize("line", ANSWERED)
def test_fast_answer_is_the_click_answer(line: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = line.split()
    assert _cli_fast.run(argv)
    fast = capsys.readouterr()
    assert fast.err == ""
    assert (0, fast.out) == _click(argv)


@pytest.mark.parametrize("line", DECLINED)
def test_fast_path_declines_silently(line: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert not _cli_fast.run(line.split())
    assert capsys.readouterr() == ("", "")


@settings(max_examples=60, deadline=None)
@given(
    command=st.sampled_from(["eqd2", "bed"]),
    dose=st.one_of(st.floats(0, 200), st.integers(-5, 200), st.floats(0, 1e300)),
    fractions=st.integers(-2, 60),
    alpha_betas=st.lists(
        st.one_of(st.floats(-1, 30), st.floats(1e-300, 1e-3)), min_size=1, max_size=3
    ),
)
def test_fast_path_equals_click(
    command: str, dose: float, fractions: int, alpha_betas: list[float]
) -> None:
    argv = [command, "--dose", repr(dose), "--fx", str(fractions)]
    for alpha_beta in alpha_betas:
        argv += ["--ab", repr(alpha_beta)]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        answered = _cli_fast.run(argv)
    printed = out.getvalue()
    if answered:
        assert (0, printed) == _click(argv)
    else:
        assert printed == ""


def test_module_and_console_entry_use_the_fast_path() -> None:
    code = (
        "import sys\n"
        "from radcalc.__main__ import main\n"
        "sys.argv = ['radcalc', 'eqd2', '--dose', '30', '--fx', '5', '--ab', '10']\n"
        "main()\n"
        "print('CLICK' if 'click' in sys.modules else 'NO CLICK')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == [
        "30 Gy in 5 fx (6 Gy/fx), alpha/beta 10 Gy: EQD2 40.00 Gy, BED 48.00 Gy",
        "NO CLICK",
    ]
