"""The ``radcalc check`` and ``radcalc constraints`` commands: exit codes, output, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from user_sets import user_set_toml

from radcalc.cli import EXIT_CHECK_FAILED, main
from radcalc.constraints import list_constraint_sets

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = ROOT / "examples" / "plans" / "npc_reirradiation.toml"

FAILING_PLAN = """
constraint_sets = ["li2024-npc-postop"]
[[course]]
schedule = "70/35"
interval_to_next = "4m"
[[course]]
schedule = "60/27"
intent = "postoperative"
"""

USER_SET = user_set_toml(limit=30.0)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_example_plan_passes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", str(EXAMPLE_PLAN)])
    assert result.exit_code == 0, result.output
    assert "PASS    li2024-npc-postop:eqd2-min" in result.output
    assert "nieder2006-cord:cumulative-bed" in result.output
    assert "N/A " in result.output
    assert "OK: nothing FAILs." in result.output


def test_check_failing_plan_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    plan = _write(tmp_path, "plan.toml", FAILING_PLAN)
    result = runner.invoke(main, ["check", str(plan)])
    assert EXIT_CHECK_FAILED == 3
    assert result.exit_code == 3, result.output
    assert "FAIL    li2024-npc-postop:dose-per-fraction" in result.output
    assert "FAIL    li2024-npc-postop:latency" in result.output
    assert "NOT OK" in result.output


def test_check_json(runner: CliRunner, tmp_path: Path) -> None:
    plan = _write(tmp_path, "plan.toml", FAILING_PLAN)
    result = runner.invoke(main, ["check", str(plan), "--json"])
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert data["ok"] is False and data["exit_status"] == 3
    rows = data["rows"]
    assert isinstance(rows, list)
    for row in rows:
        assert {"rule", "set", "status", "value", "limit", "unit", "source"} <= set(row)
    by_rule = {row["rule"]: row for row in rows}
    assert by_rule["dose-per-fraction"]["status"] == "FAIL"
    assert by_rule["dose-per-fraction"]["value"] == 60 / 27
    assert by_rule["dose-per-fraction"]["limit"] == 2.0
    assert by_rule["eqd2-min"]["alpha_beta"] == 10.0
    assert by_rule["eqd2-min"]["alpha_beta_assumed"] is True
    assert by_rule["latency"]["unit"] == "months"


def test_check_json_passing_exits_0(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--json", str(EXAMPLE_PLAN)])
    assert result.exit_code == 0
    assert all(row["status"] != "FAIL" for row in json.loads(result.output)["rows"])


def test_check_with_user_set(runner: CliRunner, tmp_path: Path) -> None:
    mine = _write(tmp_path, "mine.toml", USER_SET)
    result = runner.invoke(main, ["check", str(EXAMPLE_PLAN), "--set", str(mine)])
    assert result.exit_code == 3, result.output
    assert "FAIL    my-clinic-cord:cumulative-dmax" in result.output


@pytest.mark.parametrize(
    ("plan_text", "message"),
    [
        pytest.param(
            FAILING_PLAN.replace('"60/27"', '"60/27"\nmargin_mm = nan'),
            r"plan.toml: [[course]] #2, key 'margin_mm': margin_mm [mm] must be finite",
            id="nan",
        ),
        pytest.param(
            FAILING_PLAN.replace("li2024-npc-postop", "li2024"),
            "key 'constraint_sets': unknown constraint set 'li2024'",
            id="unknown-set",
        ),
        pytest.param(
            FAILING_PLAN.replace('schedule = "70/35"', "dose = 70"),
            "[[course]] #1, key 'dose': unknown key",
            id="unknown-key",
        ),
        pytest.param("[[course]\n", "plan.toml: not valid TOML", id="bad-toml"),
    ],
)
def test_check_invalid_plan_exits_1(
    runner: CliRunner, tmp_path: Path, plan_text: str, message: str
) -> None:
    plan = _write(tmp_path, "plan.toml", plan_text)
    result = runner.invoke(main, ["check", str(plan)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1  # one line


def test_check_missing_plan_file_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["check", str(tmp_path / "absent.toml")])
    assert result.exit_code == 1
    assert "absent.toml: cannot read the file" in result.output


def test_check_invalid_user_set_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    mine = _write(tmp_path, "mine.toml", USER_SET.replace('status = "verified"', "status = 1"))
    result = runner.invoke(main, ["check", str(EXAMPLE_PLAN), "--set", str(mine)])
    assert result.exit_code == 1
    assert "mine.toml: [source], key 'status': expected one of 'verified', 'abstract'" in (
        result.output
    )


def test_check_usage_error_exits_2(runner: CliRunner) -> None:
    assert runner.invoke(main, ["check"]).exit_code == 2
    assert runner.invoke(main, ["check", str(EXAMPLE_PLAN), "--bogus"]).exit_code == 2


def test_check_help_documents_exit_status(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "3 when at" in result.output
    assert "least one rule FAILs" in result.output


def test_constraints_list(runner: CliRunner) -> None:
    result = runner.invoke(main, ["constraints", "list"])
    assert result.exit_code == 0
    for name in list_constraint_sets():
        assert name in result.output
    assert "[verified]" in result.output
    assert "[abstract]" in result.output
    as_json = json.loads(runner.invoke(main, ["constraints", "list", "--json"]).output)
    assert [s["name"] for s in as_json] == list(list_constraint_sets())
    assert all(s["source"] and s["source_status"] in ("verified", "abstract") for s in as_json)


def test_constraints_show(runner: CliRunner) -> None:
    result = runner.invoke(main, ["constraints", "show", "li2024-npc-postop"])
    assert result.exit_code == 0
    assert "doi:10.1016/j.ijrobp.2024.07.2143" in result.output
    assert "Doses >2 Gy per fraction should be avoided" in result.output
    assert "assumption: tumour α/β 10 Gy, not stated by the source" in result.output
    data = json.loads(
        runner.invoke(main, ["constraints", "show", "nieder2006-cord", "--json"]).output
    )
    assert data["source"]["status"] == "abstract"
    assert data["rules"][0]["limit"] == 135.5


def test_constraints_show_user_file_and_unknown(runner: CliRunner, tmp_path: Path) -> None:
    mine = _write(tmp_path, "mine.toml", USER_SET)
    result = runner.invoke(main, ["constraints", "show", str(mine)])
    assert result.exit_code == 0
    assert "my-clinic-cord" in result.output
    unknown = runner.invoke(main, ["constraints", "show", "li2024"])
    assert unknown.exit_code == 1
    assert "unknown constraint set 'li2024'; expected one of" in unknown.output


def _readme_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Checking a plan against consensus constraints")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_readme_python_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    blocks = _readme_section().split("```python\n")[1:]
    assert blocks
    for block in blocks:
        exec(compile(block.split("```")[0], "README.md", "exec"), {})
    assert "OK: nothing FAILs." in capsys.readouterr().out


def test_readme_shell_examples_run(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    lines = [
        line.removeprefix("$ radcalc ")
        for line in _readme_section().splitlines()
        if line.startswith("$ radcalc ")
    ]
    assert len(lines) == 4
    for line in lines:
        result = runner.invoke(main, line.split())
        assert result.exit_code == 0, (line, result.output)


def test_howto_toml_examples_are_valid(tmp_path: Path) -> None:
    # The plan file and constraint set examples of docs/howto/check-plan.md.
    import tomllib

    from radcalc.constraints import parse_constraint_set
    from radcalc.plan import parse_plan

    text = (ROOT / "docs" / "howto" / "check-plan.md").read_text(encoding="utf-8")
    blocks = [b.split("```")[0] for b in text.split("```toml\n")[1:]]
    assert len(blocks) == 2
    plan = parse_plan(tomllib.loads(blocks[0]))
    assert plan.newest.margin == "under-1mm" and plan.newest.margin_mm == 0.8
    cset = parse_constraint_set(tomllib.loads(blocks[1]))
    assert cset.rules[0].limit == 64.0
