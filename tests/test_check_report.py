"""Issue 8 (i8a): organ names, rule scopes, margins and the check report.

Each observation of issue 8 that this module covers has a test that failed on
the code before the fix: a TG-263 name silently matched no rule (obs. 3), rules
were applied outside their source's scope (obs. 6), ``margin`` and
``margin_mm`` gave different advice (obs. 7), ``check --json`` had no counts,
``ok`` or exit status and text lines ran to 280 characters (obs. 9).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from radcalc.check import EXIT_FAIL, EXIT_NOT_EVALUABLE, CheckReport, CheckRow, check_plan
from radcalc.cli import main
from radcalc.constraints import margin_category, parse_constraint_set
from radcalc.errors import ConstraintSetError, InvalidInputError, PlanFileError
from radcalc.organs import list_organs, match_organ, tg263_names
from radcalc.plan import parse_plan

ROOT = Path(__file__).resolve().parents[1]
CORD_SETS = ["nieder2006-cord", "hytec2021-cord-sbrt", "sahgal2012-cord-sbrt", "lee2000-npc-late"]


def _plan(
    organs: list[dict[str, Any]],
    *,
    newest: str = "40/20",
    sets: list[str] | None = None,
    **newest_keys: Any,
) -> dict[str, Any]:
    return {
        "constraint_sets": sets or ["nieder2006-cord"],
        "course": [
            {"schedule": "60/30", "interval_to_next": "24m"},
            {"schedule": newest, **newest_keys},
        ],
        "organ": organs,
    }


def _rows(report: CheckReport, set_name: str, rule_id: str | None = None) -> list[CheckRow]:
    return [r for r in report.rows if r.set_name == set_name and rule_id in (None, r.rule_id)]


# --- observation 3: a planning-system name matches its rules ---------------------------


@pytest.mark.parametrize("name", ["SpinalCord", "spinal cord", "Spinal_Cord", "cord", "SPINALCORD"])
def test_obs3_cord_named_as_a_planning_system_does_fails(name: str) -> None:
    report = check_plan(_plan([{"name": name, "max_dose": [60.0, 40.0]}]))
    fails = [r.rule_id for r in report.rows if r.status == "FAIL"]
    assert fails == ["cumulative-bed", "course-bed"], report
    assert not report.ok


def test_obs3_brainstem_is_recognised() -> None:
    assert match_organ("BrainStem").canonical == "brainstem"
    assert match_organ("Brainstem").matched_by == "TG-263"


def test_obs3_prv_is_never_silently_taken_for_the_organ() -> None:
    report = check_plan(_plan([{"name": "Cord_PRV", "max_dose": [60.0, 40.0]}]))
    assert report.ok  # no cord rule reads a PRV: no FAIL, but never a silent OK
    assert not report.complete
    assert report.exit_status(strict=True) == EXIT_NOT_EVALUABLE
    organ = report.organs[0]
    assert organ.read_by == ()
    assert "spinal cord PRV" in organ.match
    text = report.text(width=200)
    assert "Cord_PRV → spinal cord PRV" in text
    assert "read by no rule (a PRV is read only by a rule with applies_to_prv = true)" in text
    assert "Cord_PRV → spinal cord PRV" in report._repr_html_()


def test_a_rule_that_says_so_reads_the_prv(tmp_path: Path) -> None:
    from user_sets import user_set_toml

    text = user_set_toml(organ="spinal cord", limit=30.0).replace(
        'quantity = "cumulative-eqd2"', 'quantity = "cumulative-eqd2"\napplies_to_prv = true'
    )
    path = tmp_path / "prv.toml"
    path.write_text(text, encoding="utf-8")
    plan = _plan([{"name": "SpinalCord_PRV05", "max_dose": [60.0, 40.0]}], sets=[str(path)])
    report = check_plan(plan)
    (row,) = report.rows
    assert row.status == "FAIL" and row.applies_to == "SpinalCord_PRV05"
    assert "SpinalCord_PRV05 → spinal cord, PRV 5 mm" in str(report)


MATCHES = [
    # name, canonical, laterality, prv, prv_mm, whole organ, matched_by
    ("SpinalCord", "spinal cord", None, False, None, True, "TG-263"),
    ("SpinalCord_PRV05", "spinal cord", None, True, 5, False, "TG-263"),
    ("Cord_PRV", "spinal cord", None, True, None, False, "variant"),
    ("Brainstem", "brainstem", None, False, None, True, "TG-263"),
    ("Brainstem_PRV03", "brainstem", None, True, 3, False, "TG-263"),
    ("OpticChiasm", "optic chiasm", None, False, None, True, "TG-263"),
    ("OpticNrv_L", "optic nerve", "L", False, None, True, "TG-263"),
    ("OpticNrv_PRV03_R", "optic nerve", "R", True, 3, False, "TG-263"),
    ("Lobe_Temporal_R", "temporal lobe", "R", False, None, True, "TG-263"),
    ("Temporal_Lobe_L", "temporal lobe", "L", False, None, True, "TG-263 reverse order"),
    ("A_Carotid_L", "carotid artery", "L", False, None, True, "TG-263"),
    ("ThecalSac", "thecal sac", None, False, None, True, "TG-263"),
    ("CaudaEquina", "cauda equina", None, False, None, True, "TG-263"),
    ("BrachialPlex_R", "brachial plexus", "R", False, None, True, "TG-263"),
    ("Cochlea_L", "cochlea", "L", False, None, True, "TG-263"),
    ("Parotid_L", "parotid gland", "L", False, None, True, "TG-263"),
    ("Bone_Mandible", "mandible", None, False, None, True, "TG-263"),
    ("Larynx", "larynx", None, False, None, True, "TG-263"),
    ("Esophagus", "oesophagus", None, False, None, True, "TG-263"),
    ("oesophagus", "oesophagus", None, False, None, True, "canonical name"),
    ("Brainstem~", "brainstem", None, False, None, False, "TG-263"),
    ("Parotid_R^Deep", "parotid gland", "R", False, None, False, "TG-263"),
    ("zSpinalCord", "spinal cord", None, False, None, False, "TG-263"),
    ("SpinalCord_Cerv", "cervical spinal cord", None, False, None, False, "TG-263"),
    ("Cord_5mm", "cord 5mm", None, False, None, True, "name only"),
]


@pytest.mark.parametrize(
    ("name", "canonical", "side", "prv", "prv_mm", "whole", "how"),
    MATCHES,
    ids=[m[0] for m in MATCHES],
)
def test_match_organ_tg263(
    name: str,
    canonical: str,
    side: str | None,
    prv: bool,
    prv_mm: int | None,
    whole: bool,
    how: str,
) -> None:
    m = match_organ(name)
    assert (m.canonical, m.laterality, m.prv, m.prv_mm, m.is_whole_organ, m.matched_by) == (
        canonical,
        side,
        prv,
        prv_mm,
        whole,
        how,
    )


def test_organ_table_is_backed_by_the_tg263_rows() -> None:
    rows = tg263_names()
    for organ in list_organs():
        assert any(n in rows for n in (organ.tg263, f"{organ.tg263}_L", f"{organ.tg263}_R"))
    text = (ROOT / "radcalc" / "data" / "tg263-organs.csv").read_text(encoding="utf-8")
    assert "AAPM TG-263" in text and "Mayo CS" in text and "2017-08-15" in text


def test_a_laterality_rule_reads_only_its_side(tmp_path: Path) -> None:
    from user_sets import user_set_toml

    path = tmp_path / "nerve.toml"
    path.write_text(user_set_toml(organ="optic nerve left", limit=30.0), encoding="utf-8")
    organs = [
        {"name": "OpticNrv_L", "max_dose": [50.0, 10.0]},
        {"name": "OpticNrv_R", "max_dose": [50.0, 10.0]},
    ]
    report = check_plan(_plan(organs, sets=[str(path)]))
    assert [r.applies_to for r in report.rows] == ["OpticNrv_L"]
    assert [o.name for o in report.organs if not o.read_by] == ["OpticNrv_R"]


def test_partial_structure_is_not_read_by_the_organ_rules() -> None:
    report = check_plan(_plan([{"name": "SpinalCord~", "max_dose": [60.0, 40.0]}]))
    assert {r.status for r in report.rows} == {"N/A"}
    assert "partial" in report.organs[0].match


# --- never a silent skip; --strict ----------------------------------------------------


def test_unread_organs_and_absent_rule_organs_are_listed() -> None:
    organs = [{"name": "Parotid_L", "max_dose": [26.0, 10.0]}]
    report = check_plan(_plan(organs))
    assert report.ok and not report.complete
    text = str(report)
    assert "Parotid_L → parotid gland, left (TG-263): read by no rule (no rule of" in text
    assert "Not evaluated" in text
    assert "nieder2006-cord:cumulative-bed" in text.split("Not evaluated")[1]
    data = report.to_dict()
    assert data["organs"][0]["read_by"] == []
    assert {r["rule"] for r in data["not_evaluated"]} >= {"cumulative-bed", "course-bed"}


def test_strict_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'constraint_sets = ["nieder2006-cord"]\n'
        '[[course]]\nschedule = "50/25"\ninterval_to_next = "24m"\n'
        '[[course]]\nschedule = "20/10"\n'
        '[[organ]]\nname = "BrainStem"\nmax_dose = [30.0, 10.0]\n',
        encoding="utf-8",
    )
    assert runner.invoke(main, ["check", str(plan)]).exit_code == 0
    strict = runner.invoke(main, ["check", "--strict", str(plan)])
    assert strict.exit_code == EXIT_NOT_EVALUABLE == 4, strict.output
    assert "NOT COMPLETE" in strict.output
    text = plan.read_text(encoding="utf-8").replace("BrainStem", "SpinalCord")
    plan.write_text(text.replace("[30.0, 10.0]", "[60.0, 40.0]"), encoding="utf-8")
    failing = runner.invoke(main, ["check", "--strict", str(plan)])
    assert failing.exit_code == EXIT_FAIL == 3  # a FAIL outranks "not evaluable"
    passing = text.replace("[30.0, 10.0]", "[30.0, 10.0]")
    plan.write_text(passing, encoding="utf-8")
    assert runner.invoke(main, ["check", "--strict", str(plan)]).exit_code == 0


# --- observation 6: rules within their source's scope ------------------------------


def test_obs6_hytec_sbrt_rule_is_na_for_a_54_fraction_course() -> None:
    organs = [{"name": "ThecalSac", "max_dose": [40.0, 10.0]}]
    report = check_plan(_plan(organs, newest="65/54 bid", sets=["hytec2021-cord-sbrt"]))
    rows = _rows(report, "hytec2021-cord-sbrt")
    assert rows and {r.status for r in rows} == {"N/A"}
    assert all("outside the rule's scope" in r.detail for r in rows)
    assert all("54 fractions" in r.detail for r in rows)
    assert all(r.evaluated for r in rows)  # not applicable is not "could not be evaluated"
    sbrt = check_plan(_plan(organs, newest="24/3", sets=["hytec2021-cord-sbrt"]))
    assert _rows(sbrt, "hytec2021-cord-sbrt", "sbrt-course-dmax")[0].status in ("PASS", "FAIL")


@pytest.mark.parametrize("set_name", ["hytec2021-cord-sbrt", "sahgal2012-cord-sbrt"])
def test_sbrt_sets_carry_their_scope(set_name: str) -> None:
    from radcalc.constraints import load_constraint_set

    for rule in load_constraint_set(set_name).rules:
        assert rule.scope is not None and rule.scope.fractions is not None
        assert rule.scope.fractions.contains(5) and not rule.scope.fractions.contains(6)
        assert "1 to 5 fractions" in rule.scope.note or "1-5 fractions" in rule.scope.note


def test_obs6_lee2000_is_not_applied_to_the_spinal_cord() -> None:
    organs = [
        {"name": "SpinalCord", "max_dose": [45.0, 20.0]},
        {"name": "Lobe_Temporal_L", "max_dose": [70.0, 60.0]},
    ]
    report = check_plan(_plan(organs, sets=["lee2000-npc-late"]))
    cord, lobe = _rows(report, "lee2000-npc-late")
    assert cord.applies_to == "SpinalCord" and cord.status == "N/A"
    assert "outside the rule's scope" in cord.detail and "spinal cord" in cord.detail
    assert lobe.status == "INFO"


def test_scope_schema_errors() -> None:
    from radcalc.constraints import load_constraint_set

    data = load_constraint_set("hytec2021-cord-sbrt").to_dict()
    del data  # the schema is checked on a minimal set below
    base = {
        "format": "radcalc-constraints-1",
        "name": "s",
        "title": "t",
        "source": {
            "authors": "A",
            "journal": "J",
            "year": 2020,
            "table_page": "1",
            "status": "verified",
        },
        "rule": [
            {
                "id": "r",
                "applies_to": "cord",
                "quantity": "interval-since-previous",
                "comparator": ">=",
                "limit": 6.0,
                "unit": "months",
                "severity": "violation",
                "kind": "recommended-limit",
                "quote": "q",
                "verbatim": False,
            }
        ],
    }
    base["rule"][0]["scope"] = {"fractions": {"le": 5}}
    with pytest.raises(ConstraintSetError, match=r"key 'note': missing"):
        parse_constraint_set(base)
    base["rule"][0]["scope"] = {"fractions": {"le": 5}, "note": "n", "assumed": False, "colour": 1}
    with pytest.raises(ConstraintSetError, match=r"key 'colour': unknown key"):
        parse_constraint_set(base)
    base["rule"][0]["scope"] = {"exclude": ["SpinalCord_PRV"], "note": "n", "assumed": True}
    with pytest.raises(ConstraintSetError, match=r"key 'exclude'"):
        parse_constraint_set(base)


# --- observation 7: margins ---------------------------------------------------------


def _li(**newest: Any) -> CheckReport:
    plan = {
        "constraint_sets": ["li2024-npc-postop"],
        "course": [
            {"schedule": "70/35", "interval_to_next": "24m"},
            {"schedule": "65/54 bid", "intent": "postoperative", **newest},
        ],
    }
    return check_plan(plan)


def _advice(report: CheckReport) -> list[tuple[str, str]]:
    return [(r.rule_id, r.status) for r in report.rows if r.status != "N/A"]


@pytest.mark.parametrize(
    ("category", "mm"),
    [
        ("on-margin", 0.0),
        ("under-1mm", 0.8),
        ("under-1mm", 0.01),
        ("close", 1.5),
        ("close", 2.99),
        ("clear", 3.0),
        ("clear", 10.0),
    ],
)
def test_obs7_margin_mm_and_category_give_the_same_advice(category: str, mm: float) -> None:
    assert _advice(_li(margin=category)) == _advice(_li(margin_mm=mm))
    assert _advice(_li(margin=category, margin_mm=mm)) == _advice(_li(margin=category))


def test_obs7_inconsistent_margin_is_refused() -> None:
    with pytest.raises(PlanFileError, match=r"margin_mm 0.8 mm is 'under-1mm'.*not 'close'"):
        parse_plan({"course": [{"schedule": "60/30", "margin": "close", "margin_mm": 0.8}]})


def test_margin_of_exactly_1mm_lies_between_the_consensus_categories() -> None:
    with pytest.raises(PlanFileError, match=r"margin_mm 1 mm lies between"):
        parse_plan({"course": [{"schedule": "60/30", "margin_mm": 1.0}]})
    with pytest.raises(InvalidInputError, match=r"lies between"):
        margin_category(1.0)


def test_readme_does_not_present_close_and_0_8mm_as_equivalent() -> None:
    for path in (
        ROOT / "README.md",
        ROOT / "docs" / "howto" / "check-plan.md",
        ROOT / "radcalc" / "plan.py",
    ):
        assert "or margin_mm = 0.8" not in path.read_text(encoding="utf-8"), path


# --- observation 9: JSON and width ----------------------------------------------------


def test_check_json_has_counts_ok_and_exit_status(tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'constraint_sets = ["nieder2006-cord"]\n'
        '[[course]]\nschedule = "60/30"\ninterval_to_next = "24m"\n'
        '[[course]]\nschedule = "40/20"\n'
        '[[organ]]\nname = "SpinalCord"\nmax_dose = [60.0, 40.0]\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "--json", str(plan)])
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert data["ok"] is False and data["exit_status"] == 3 and data["strict"] is False
    assert data["counts"]["FAIL"] == 2
    assert data["complete"] is True
    assert data["organs"] == [
        {
            "name": "SpinalCord",
            "canonical": "spinal cord",
            "matched_by": "TG-263",
            "match": "SpinalCord → spinal cord (TG-263)",
            "read_by": [
                "nieder2006-cord:cumulative-bed",
                "nieder2006-cord:course-bed",
                "nieder2006-cord:interval",
                "nieder2006-cord:cumulative-bed-no-myelopathy",
            ],
            "unread_reason": None,
            "doses": [],
        }
    ]
    assert len(data["rows"]) == 4


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_check_text_fits_the_terminal_width(columns: str) -> None:
    plan = ROOT / "examples" / "plans" / "npc_reirradiation.toml"
    result = CliRunner(env={"COLUMNS": columns}).invoke(main, ["check", str(plan)])
    assert result.exit_code == 0, result.output
    widths = [len(line) for line in result.output.splitlines()]
    assert max(widths) <= int(columns), max(widths)


def test_check_text_width_defaults_to_80() -> None:
    plan = ROOT / "examples" / "plans" / "npc_reirradiation.toml"
    result = CliRunner(env={"COLUMNS": ""}).invoke(main, ["check", str(plan)])
    assert max(len(line) for line in result.output.splitlines()) <= 80


# --- the project stands alone ------------------------------------------------------


#: The development folder beside the clone (spelt in parts, so this file does not name it).
_SHARED = tuple("/".join(parts) for parts in (("..", "shared"), ("/work", "shared")))


def test_no_file_refers_to_the_shared_folder() -> None:
    suffixes = {".py", ".md", ".toml", ".csv", ".rst", ".txt", ".cfg", ".ipynb"}
    offenders = []
    for path in ROOT.rglob("*"):
        if ".git" in path.parts or not path.is_file() or path.suffix not in suffixes:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(folder in text for folder in _SHARED):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("tg263", sorted(tg263_names()))
def test_every_shipped_tg263_row_is_read_back(tg263: str) -> None:
    m = match_organ(tg263)
    assert m.organ is not None and m.matched_by == "TG-263"
    tokens = tg263.split("_")
    assert m.laterality == (tokens[-1] if tokens[-1] in ("L", "R") else None)
    assert m.prv == any(t.startswith("PRV") for t in tokens)
    reverse = tg263_names()[tg263][0]
    assert match_organ(reverse).organ == m.organ


def test_constraints_show_prints_the_scope() -> None:
    result = CliRunner().invoke(main, ["constraints", "show", "hytec2021-cord-sbrt"])
    assert result.exit_code == 0
    assert "scope: newest course >= 1 fractions and <= 5 fractions (stated by the source" in (
        result.output
    )
