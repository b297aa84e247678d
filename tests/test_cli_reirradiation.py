"""Tests of the ``radcalc reirr`` and ``radcalc budget`` commands (click's CliRunner)."""

from __future__ import annotations

import json
import pathlib
import shlex

import pytest
from click.testing import CliRunner

from radcalc import lq
from radcalc.cli import main
from radcalc.reirradiation import cumulative_eqd2, max_new_dose

NPC = ["--prior", "70/35", "--interval", "24m"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def argv(command_line: str) -> list[str]:
    """A command line as the shell would split it."""
    return shlex.split(command_line)


def help_text(command: str) -> str:
    """The command's --help with line wrapping undone."""
    return " ".join(run(command, "--help")[1].split())


def test_reirr_issue_example_text() -> None:
    code, out, err = run(
        "reirr", *NPC, "--new", "65/54 bid", "--ab", "3", "--recovery", "step-cord-2021"
    )
    assert (code, err) == (0, "")
    assert "alpha/beta 3 Gy" in out
    assert "step-cord-2021" in out
    assert "Doi H et al. Strahlenther Onkol 2021;197:463-473" in out
    assert "24.0 months" in out
    assert "50 %" in out
    assert "Cumulative EQD2 89.65 Gy" in out


def test_reirr_json() -> None:
    code, out, _ = run(
        "reirr", *NPC, "--new", "65/54 bid", "--ab", "3", "--recovery", "step-cord-2021", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["alpha_beta"] == 3.0
    assert data["recovery"] == "step-cord-2021"
    expected = cumulative_eqd2([70, 65], [35, 54], [24], alpha_beta=3, recovery="step-cord-2021")
    assert data["cumulative_eqd2"] == expected
    assert data["cumulative_bed"] == pytest.approx(expected * (1 + 2 / 3), rel=1e-15)
    first, newest = data["courses"]
    assert (first["eqd2"], first["interval_months"], first["recovered_fraction"]) == (
        70.0,
        24.0,
        0.5,
    )
    assert (newest["interval_months"], newest["recovered_fraction"]) == (None, 0.0)
    assert newest["eqd2"] == lq.eqd2(65, 54, alpha_beta=3)
    assert data["warnings"] == []


def test_reirr_organ_doses_and_a_third_course() -> None:
    code, out, _ = run(
        "reirr", "--prior", "70/35", "--interval", "1.5y", "--prior-organ-dose", "50",
        "--prior", "30/10", "--interval", "540d", "--prior-organ-dose", "20",
        "--new", "30/5", "--new-organ-dose", "12", "--ab", "2", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert [c["organ_dose"] for c in data["courses"]] == [50.0, 20.0, 12.0]
    assert data["courses"][0]["interval_months"] == pytest.approx(18 + 540 / 30.4375)
    assert data["courses"][1]["interval_months"] == pytest.approx(540 / 30.4375)
    assert data["cumulative_eqd2"] == pytest.approx(
        cumulative_eqd2([50, 20, 12], [35, 10, 5], [18, 540 / 30.4375], alpha_beta=2)
    )


def test_reirr_short_interval_is_flagged_not_refused() -> None:
    code, out, err = run(
        "reirr", "--prior", "70/35", "--interval", "4m", "--new", "30/5", "--ab", "2"
    )
    assert (code, err) == (0, "")
    assert "Warning: interval of 4.0 months between course 1 and course 2 is under 6 months" in out
    code, out, _ = run(
        "reirr", "--prior", "70/35", "--interval", "4m", "--new", "30/5", "--ab", "2", "--json"
    )
    assert "under 6 months" in json.loads(out)["warnings"][0]


def test_budget_issue_example() -> None:
    args = ["budget", *NPC, "--limit", "100", "--ab", "2", "--recovery", "none"]
    code, out, err = run(*args, "--fx", "1", "--fx", "5", "--fx", "30")
    assert (code, err) == (0, "")
    assert "remaining EQD2 30.00 Gy" in out
    assert "37.08 Gy" in out
    code, out, _ = run(*args, "--fx", "1", "--fx", "5", "--fx", "30", "--json")
    data = json.loads(out)
    assert data["remaining_eqd2"] == 30.0
    assert [o["fractions"] for o in data["options"]] == [1, 5, 30]
    for option in data["options"]:
        n = option["fractions"]
        assert option["max_dose"] == max_new_dose(100, [70], [35], [24], fractions=n, alpha_beta=2)
        assert option["dose_per_fraction"] == option["max_dose"] / n


def test_budget_with_bed_limit_and_recovery_file(tmp_path: pathlib.Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[cord]\nthresholds_months = [6, 12]\nfractions = [0.25, 0.5]\n[brain]\n")
    code, out, _ = run(
        "budget", *NPC, "--prior-organ-dose", "45", "--limit-bed", "135.5", "--ab", "2",
        "--recovery", str(policy), "--organ", "cord", "--fx", "5", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["recovery"] == "policy.toml:cord"
    assert data["recovery_source"] == "user-defined"
    assert data["limit_quantity"] == "bed"
    # 45 Gy to the organ in the 35 fractions of the 70/35 course, half recovered at 24 months
    assert data["remaining_eqd2"] == pytest.approx(67.75 - 0.5 * 45 * (45 / 35 + 2) / 4)


def test_budget_over_the_limit_exits_zero_and_says_so() -> None:
    code, out, _ = run("budget", *NPC, "--limit", "60", "--ab", "2", "--fx", "5")
    assert code == 0
    assert "LIMIT ALREADY EXCEEDED by 10.00 Gy EQD2" in out
    assert "0.00 Gy" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(
            ["reirr", "--prior", "70/35", "--interval", "-3m", "--new", "30/5", "--ab", "2"],
            1,
            "Error: interval '-3m' [months] must be finite and >= 0, got -3.0",
            id="negative interval",
        ),
        pytest.param(
            ["reirr", "--prior", "70/35", "--interval", "soon", "--new", "30/5", "--ab", "2"],
            1,
            "Error: interval 'soon' not understood",
            id="interval not understood",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5", "--ab", "2", "--recovery", "constant:1.5"],
            1,
            "Error: fraction must be in [0, 1], got 1.5",
            id="recovered fraction above 1",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5", "--ab", "2", "--recovery", "cord"],
            1,
            "Error: recovery 'cord' not understood",
            id="unknown recovery",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5", "--ab", "2", "--recovery", "missing.toml"],
            1,
            "Error: recovery file missing.toml: cannot read the file",
            id="missing recovery file",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30 in", "--ab", "2"],
            1,
            "Error: schedule '30 in' not understood",
            id="bad schedule",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5", "--ab", "0"],
            1,
            "Error: alpha_beta [Gy] must be finite and > 0, got 0.0",
            id="alpha_beta zero",
        ),
        pytest.param(
            ["reirr", *NPC, "--prior-organ-dose", "-5", "--new", "30/5", "--ab", "2"],
            1,
            "Error: organ_dose [Gy] must be finite and >= 0, got -5.0",
            id="negative organ dose",
        ),
        pytest.param(
            ["budget", *NPC, "--limit", "0", "--ab", "2", "--fx", "5"],
            1,
            "Error: limit_eqd2 [Gy] must be finite and > 0, got 0.0",
            id="limit zero",
        ),
        pytest.param(
            ["budget", *NPC, "--limit-bed", "-1", "--ab", "2", "--fx", "5"],
            1,
            "Error: limit_bed [Gy] must be finite and > 0, got -1.0",
            id="bed limit negative",
        ),
        pytest.param(
            ["budget", *NPC, "--limit", "100", "--ab", "2", "--fx", "0"],
            1,
            "Error: fractions[0] must be finite and > 0, got 0.0",
            id="zero fractions",
        ),
        pytest.param(
            ["budget", *NPC, "--ab", "2", "--fx", "5"],
            2,
            "give exactly one of --limit (EQD2) and --limit-bed",
            id="no limit",
        ),
        pytest.param(
            ["budget", *NPC, "--limit", "70", "--limit-bed", "140", "--ab", "2", "--fx", "5"],
            2,
            "give exactly one of --limit (EQD2) and --limit-bed",
            id="two limits",
        ),
        pytest.param(
            argv("reirr --prior 70/35 --prior 30/5 --interval 12 --new 20/5 --ab 2"),
            2,
            "give one --interval per --prior (the time after that course), got 2 --prior and 1",
            id="intervals and priors differ",
        ),
        pytest.param(
            argv(
                "reirr --prior 70/35 --interval 24m --prior-organ-dose 50 --prior-organ-dose 40 "
                "--new 30/5 --ab 2"
            ),
            2,
            "give no --prior-organ-dose or one per --prior, got 1 --prior and 2",
            id="organ doses and priors differ",
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5"], 2, "Missing option '--ab'", id="no alpha/beta"
        ),
        pytest.param(
            ["reirr", *NPC, "--new", "30/5", "--ab", "2", "--ab", "3"],
            0,
            "",
            id="--ab is single-valued: the last one wins",
        ),
    ],
)
def test_bad_input_exits_non_zero_without_traceback(
    args: list[str], code: int, message: str
) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
    if code == 1:
        assert result.stderr.count("\n") == 1


def test_help_states_units_and_conventions() -> None:
    out = help_text("reirr")
    assert "TOTAL dose/fractions" in out
    assert "30.4375 days" in out
    assert "step-cord-2021" in out
    out = help_text("budget")
    assert "--limit-bed" in out
    assert "--fx" in out


def readme_section() -> str:
    text = (pathlib.Path(__file__).parents[1] / "README.md").read_text()
    start = text.index("## Re-irradiation")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_readme_python_examples_run(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = readme_section().split("```python\n")[1:]
    assert blocks
    for block in blocks:
        exec(compile(block.split("```")[0], "README.md", "exec"), {})
    assert "Dose budget at alpha/beta 2 Gy" in capsys.readouterr().out


def test_readme_shell_examples_run() -> None:
    # The README's tour and the reference page docs/howto/reirradiation-budget.md.
    howto = pathlib.Path(__file__).parents[1] / "docs" / "howto" / "reirradiation-budget.md"
    text = readme_section() + howto.read_text(encoding="utf-8")
    text = text.replace("\\\n", " ")  # shell line continuations
    lines = [
        line.removeprefix("$ radcalc ")
        for line in text.splitlines()
        if line.startswith("$ radcalc ")
    ]
    assert len(lines) == 9
    for line in lines:
        code, out, err = run(*argv(line))
        assert (code, err) == (0, ""), line
        assert out
