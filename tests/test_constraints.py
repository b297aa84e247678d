"""Constraint sets as data: every shipped file, the literature values, the schema errors."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from user_sets import user_set_toml

from radcalc.constraints import (
    FORMAT,
    INTENTS,
    KINDS,
    MARGIN_CATEGORIES,
    MARGIN_CATEGORY_RANGES,
    QUANTITIES,
    SEVERITIES,
    ConstraintSet,
    MarginRange,
    compare,
    list_constraint_sets,
    load_constraint_set,
    margin_category,
    normalize_name,
    parse_constraint_set,
)
from radcalc.errors import ConstraintSetError, InvalidInputError

SHIPPED = list_constraint_sets()

# The sets the issue requires, by name (used in plan files and the CLI).
REQUIRED_SETS = (
    "li2024-npc-postop",
    "nieder2006-cord",
    "hytec2021-cord-sbrt",
    "sahgal2012-cord-sbrt",
    "lee2000-npc-late",
    "nct03731442-esophagus-salvage",
)

_EQD2_BED = {
    "prescribed-eqd2",
    "prescribed-bed",
    "cumulative-eqd2",
    "cumulative-bed",
    "course-eqd2",
    "course-bed",
    "newest-to-cumulative-eqd2",
}


def _data_dir() -> Path:
    return Path(str(resources.files("radcalc").joinpath("data")))


# --- every shipped file -------------------------------------------------------


def test_required_sets_ship() -> None:
    for name in REQUIRED_SETS:
        assert name in SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_schema_and_source(name: str) -> None:
    """Load every shipped file and check the schema and that every rule has a source."""
    cset = load_constraint_set(name)
    assert isinstance(cset, ConstraintSet)
    assert cset.shipped
    assert cset.name == name
    assert cset.title.strip()
    source = cset.source
    assert source.status in ("verified", "abstract")
    assert source.title or source.authors or source.label or source.registry
    assert source.table_page.strip()
    assert source.registry or (source.journal and source.year)
    assert source.citation().strip()
    assert cset.rules
    ids = [rule.id for rule in cset.rules]
    assert len(ids) == len(set(ids))
    for rule in cset.rules:
        assert rule.status in ("verified", "abstract"), rule.id
        assert rule.quote.strip(), rule.id
        assert rule.table_page or source.table_page, rule.id
        assert rule.severity in SEVERITIES
        assert rule.kind in KINDS
        assert rule.quantity in QUANTITIES
        if rule.quantity == "advice":
            assert rule.limit is None
            assert rule.comparator is None
        else:
            assert rule.unit == QUANTITIES[rule.quantity], rule.id
            assert rule.limit is not None
            assert rule.comparator is not None
        if rule.quantity in _EQD2_BED:
            assert rule.alpha_beta is not None, rule.id
            assert rule.alpha_beta > 0, rule.id
            if rule.alpha_beta_assumed:
                assert rule.alpha_beta_note
                assert "assumption" in rule.alpha_beta_note
        else:
            assert rule.alpha_beta is None, rule.id
        if rule.when.intent is not None:
            assert rule.when.intent in INTENTS
        for category in rule.when.margin or ():
            assert category in MARGIN_CATEGORIES


@pytest.mark.parametrize("path", sorted(_data_dir().glob("*.toml")), ids=lambda p: p.name)
def test_shipped_files_are_plain_toml_named_after_their_set(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:  # another module's data file
        return
    assert data["name"] == path.stem
    text = path.read_text(encoding="utf-8").lower()
    assert 'status = "unverified"' not in text
    assert 'status = "missing"' not in text


def test_no_numbers_attributed_to_ng_2021_ship() -> None:
    """EVIDENCE §1: Ng 2021's organ table is missing; nothing may be attributed to it."""
    for name in SHIPPED:
        cset = load_constraint_set(name)
        assert "Ng WT" not in (cset.source.authors or "").split(",")[0]
        for rule in cset.rules:
            if "Ng WT" in (rule.table_page or "") or "Ng WT" in (rule.note or ""):
                assert rule.quantity == "advice", rule.id


# --- literature values (source and table/page in the test id) -----------------

# id = source and Table 1 row (Li 2024) or abstract/registry; value = (set, rule id,
# quantity, limit as text, alpha/beta, severity); "10*" = radcalc's assumed alpha/beta.
LI, NIEDER, HYTEC, SAHGAL = (
    "li2024-npc-postop",
    "nieder2006-cord",
    "hytec2021-cord-sbrt",
    "sahgal2012-cord-sbrt",
)
# fmt: off
LITERATURE = {
    "Li2024-5b-EQD2>=60": (LI, "eqd2-min", "prescribed-eqd2", ">= 60 Gy", "10*", "violation"),
    "Li2024-5b-EQD2<=66": (LI, "eqd2-max", "prescribed-eqd2", "<= 66 Gy", "10*", "violation"),
    "Li2024-5d-<=2Gy/fx": (LI, "dose-per-fraction", "dose-per-fraction", "<= 2 Gy", None,
                           "violation"),
    "Li2024-text-latency-6to12m": (LI, "latency", "interval-since-previous",
                                   ">= 6 months (WARN unless >= 12 months)", None, "violation"),
    "Li2024-5-nc-hyperfx": (LI, "hyperfractionation", "fractions-per-day",
                            ">= 2 fractions/day", None, "info"),
    "Nieder2006-cumBED<=135.5": (NIEDER, "cumulative-bed", "cumulative-bed", "<= 135.5 Gy", "2",
                                 "violation"),
    "Nieder2006-courseBED<=98": (NIEDER, "course-bed", "course-bed", "<= 98 Gy", "2", "violation"),
    "Nieder2006-interval>=6": (NIEDER, "interval", "interval-since-previous", ">= 6 months", None,
                               "violation"),
    "Nieder2006-safe<=120": (NIEDER, "cumulative-bed-no-myelopathy", "cumulative-bed", "<= 120 Gy",
                             "2", "info"),
    "HyTEC2021-cumEQD2<=70": (HYTEC, "cumulative-dmax", "cumulative-eqd2", "<= 70 Gy", "2",
                              "violation"),
    "HyTEC2021-SBRT<=25": (HYTEC, "sbrt-course-dmax", "course-eqd2", "<= 25 Gy", "2", "violation"),
    "HyTEC2021-ratio<=0.5": (HYTEC, "sbrt-to-cumulative-ratio", "newest-to-cumulative-eqd2",
                             "<= 0.5", "2", "violation"),
    "HyTEC2021-interval>=5": (HYTEC, "interval", "interval-since-previous", ">= 5 months", None,
                              "violation"),
    "Sahgal2012-SBRT-20to25": (SAHGAL, "sbrt-course-pmax", "course-eqd2", "<= 25 Gy", "2",
                               "violation"),
    "Sahgal2012-cum~70": (SAHGAL, "cumulative-pmax", "cumulative-eqd2", "<= 70 Gy", "2",
                          "violation"),
    "Sahgal2012-~50pct": (SAHGAL, "sbrt-fraction-of-cumulative", "newest-to-cumulative-eqd2",
                          "<= 0.5", "2", "violation"),
    "Sahgal2012-interval>=5": (SAHGAL, "interval", "interval-since-previous", ">= 5 months", None,
                               "violation"),
    "Lee2000-summatedBED-143Gy3": ("lee2000-npc-late", "summated-bed", "cumulative-bed",
                                   "<= 143 Gy", "3", "info"),
    "NCT03731442->54Gy": ("nct03731442-esophagus-salvage", "dose-above-54", "prescribed-dose",
                          "> 54 Gy", None, "info"),
}
# fmt: on


@pytest.mark.parametrize("row", LITERATURE.values(), ids=LITERATURE.keys())
def test_literature_values(row: tuple[str, str, str, str, str | None, str]) -> None:
    set_name, rule_id, quantity, limit, alpha_beta, severity = row
    rule = load_constraint_set(set_name).rule(rule_id)
    assert rule.quantity == quantity
    assert rule.describe_limit() == limit
    if alpha_beta is None:
        assert rule.alpha_beta is None
    else:
        assert f"{rule.alpha_beta:g}{'*' if rule.alpha_beta_assumed else ''}" == alpha_beta
    assert rule.severity == severity


def test_li2024_alpha_beta_is_labelled_as_radcalc_assumption() -> None:
    rule = load_constraint_set("li2024-npc-postop").rule("eqd2-min")
    assert rule.alpha_beta_note == "assumption: tumour α/β 10 Gy, not stated by the source"


@pytest.mark.parametrize(
    ("rule_id", "severity", "margin", "margin_mm_inside", "margin_mm_outside"),
    [
        pytest.param("indication-tumour-on-margin", "info", "on-margin", 0.0, 0.1, id="Li2024-4a"),
        pytest.param("indication-margin-under-1mm", "info", "under-1mm", 0.5, 1.0, id="Li2024-4b"),
        pytest.param("indication-close-margin", "warning", "close", 2.0, 1.0, id="Li2024-4-nc"),
        pytest.param("indication-clear-margin", "warning", "clear", 3.0, 2.9, id="Li2024-text"),
    ],
)
def test_li2024_margin_rules(
    rule_id: str, severity: str, margin: str, margin_mm_inside: float, margin_mm_outside: float
) -> None:
    rule = load_constraint_set("li2024-npc-postop").rule(rule_id)
    assert rule.quantity == "advice"
    assert rule.severity == severity
    assert rule.when.margin == (margin,)
    assert margin_category(margin_mm_inside) == margin
    assert MARGIN_CATEGORY_RANGES[margin].contains(margin_mm_inside)
    assert not MARGIN_CATEGORY_RANGES[margin].contains(margin_mm_outside)


def test_helpers() -> None:
    assert compare(2.0, "<=", 2.0)
    assert not compare(2.0, "<", 2.0)
    assert compare(6.0, ">=", 6.0)
    assert not compare(6.0, ">", 6.0)
    assert not compare(float("nan"), "<=", 1.0)
    assert not compare(float("nan"), ">=", 1.0)
    with pytest.raises(ConstraintSetError, match="comparator must be one of"):
        compare(1.0, "==", 1.0)
    assert normalize_name("  Thecal-Sac ") == "thecal sac"
    assert MarginRange(gt=1.0, lt=3.0).describe() == "> 1 mm and < 3 mm"


def test_describe_and_to_dict_cover_every_rule() -> None:
    for name in SHIPPED:
        cset = load_constraint_set(name)
        text = cset.describe()
        data = cset.to_dict()
        assert data["name"] == name
        assert data["source"]["citation"] == cset.source.citation()
        for rule in cset.rules:
            assert rule.id in text
        assert len(data["rules"]) == len(cset.rules)


def test_unknown_rule_id() -> None:
    with pytest.raises(ConstraintSetError, match="has no rule 'eqd2'; its rules are eqd2-min"):
        load_constraint_set("li2024-npc-postop").rule("eqd2")


# --- user files -----------------------------------------------------------------

USER_SET = user_set_toml("my-clinic-brainstem", "brainstem", 64.0)


def _user_data() -> dict[str, Any]:
    return tomllib.loads(USER_SET)


def test_load_user_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(USER_SET, encoding="utf-8")
    cset = load_constraint_set(path)
    assert cset.name == "my-clinic-brainstem"
    assert not cset.shipped
    assert cset.origin == str(path)
    assert load_constraint_set(str(path)).rules == cset.rules
    assert load_constraint_set("mine.toml", relative_to=tmp_path).name == cset.name
    assert load_constraint_set(cset) is cset


def test_user_file_may_not_take_a_shipped_name(tmp_path: Path) -> None:
    path = tmp_path / "fake.toml"
    path.write_text(USER_SET.replace("my-clinic-brainstem", "nieder2006-cord"), encoding="utf-8")
    with pytest.raises(ConstraintSetError, match=r"fake\.toml: key 'name': 'nieder2006-cord'"):
        load_constraint_set(path)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConstraintSetError, match=r"nope\.toml: cannot read the file"):
        load_constraint_set(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ConstraintSetError, match=r"bad\.toml: not valid TOML"):
        load_constraint_set(bad)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConstraintSetError, match=r"binary\.toml: not a UTF-8 text file"):
        load_constraint_set(binary)


def test_unknown_name() -> None:
    with pytest.raises(ConstraintSetError, match="unknown constraint set 'li2024'; expected one"):
        load_constraint_set("li2024")
    with pytest.raises(ConstraintSetError, match="must be a name, a path or a ConstraintSet"):
        load_constraint_set(42)  # type: ignore[arg-type]


_DELETE = object()


def _edited(section: str, **changes: Any) -> dict[str, Any]:
    """The user set with keys of ``section`` ("top", "source" or "rule") changed or deleted."""
    data = _user_data()
    table = {"top": data, "source": data["source"], "rule": data["rule"][0]}[section]
    for key, value in changes.items():
        if value is _DELETE:
            del table[key]
        else:
            table[key] = value
    return data


def _rule_edit(**changes: Any) -> dict[str, Any]:
    return _edited("rule", **changes)


def _source_edit(**changes: Any) -> dict[str, Any]:
    return _edited("source", **changes)


def _top_edit(**changes: Any) -> dict[str, Any]:
    return _edited("top", **changes)


def _duplicate_rule() -> dict[str, Any]:
    data = _user_data()
    data["rule"].append(copy.deepcopy(data["rule"][0]))
    return data


INVALID_SETS = [
    pytest.param(_top_edit(extra=1), r"key 'extra': unknown key", id="unknown-top-key"),
    pytest.param(_top_edit(name=_DELETE), r"key 'name': missing", id="missing-name"),
    pytest.param(_top_edit(name="My Set"), r"key 'name': expected lower-case", id="bad-name"),
    pytest.param(
        _top_edit(format="radcalc-2"), r"key 'format': expected one of", id="wrong-format"
    ),
    pytest.param(_top_edit(source=_DELETE), r"key 'source': missing", id="missing-source"),
    pytest.param(_top_edit(rule=_DELETE), r"key 'rule': missing", id="missing-rules"),
    pytest.param(_top_edit(rule=[]), r"key 'rule': expected one or more", id="empty-rules"),
    pytest.param(
        _source_edit(status="unverified"),
        r"\[source\], key 'status': status 'unverified' cannot be used",
        id="source-unverified",
    ),
    pytest.param(
        _source_edit(status="missing"), r"status 'missing' cannot be used", id="source-missing"
    ),
    pytest.param(_source_edit(status=_DELETE), r"key 'status': missing", id="no-status"),
    pytest.param(
        _source_edit(authors=_DELETE, title=_DELETE),
        r"key 'authors': missing; expected at least one of authors, title, label or registry",
        id="no-authors-or-title",
    ),
    pytest.param(_source_edit(journal=_DELETE), r"key 'journal': missing", id="no-journal"),
    pytest.param(_source_edit(year=True), r"key 'year': expected a whole number", id="year-bool"),
    pytest.param(_source_edit(year=25), r"key 'year': expected a four-digit year", id="year-25"),
    pytest.param(_source_edit(doi=10), r"key 'doi': expected a non-empty string", id="doi-int"),
    pytest.param(_source_edit(isbn="x"), r"key 'isbn': unknown key", id="source-unknown-key"),
    pytest.param(
        _rule_edit(status="unverified"),
        r"\[\[rule\]\] #1 \(id 'cumulative-dmax'\), key 'status': status 'unverified'",
        id="rule-unverified",
    ),
    pytest.param(_rule_edit(id="Cum Dmax"), r"key 'id': expected lower-case", id="bad-id"),
    pytest.param(_rule_edit(lmit=1.0), r"key 'lmit': unknown key", id="misspelt-rule-key"),
    pytest.param(
        _rule_edit(quantity="dmax"), r"key 'quantity': expected one of", id="unknown-quantity"
    ),
    pytest.param(_rule_edit(unit="cGy"), r"key 'unit': expected 'Gy'", id="unit-cGy"),
    pytest.param(
        _rule_edit(limit=float("nan")), r"key 'limit': limit must be finite", id="limit-nan"
    ),
    pytest.param(
        _rule_edit(limit=float("inf")), r"key 'limit': limit must be finite", id="limit-inf"
    ),
    pytest.param(_rule_edit(limit="64"), r"key 'limit': expected a number", id="limit-string"),
    pytest.param(_rule_edit(limit=True), r"key 'limit': expected a number", id="limit-bool"),
    pytest.param(_rule_edit(limit=_DELETE), r"key 'limit': missing", id="limit-missing"),
    pytest.param(
        _rule_edit(comparator="=<"), r"key 'comparator': expected one of", id="bad-comparator"
    ),
    pytest.param(
        _rule_edit(alpha_beta=_DELETE), r"key 'alpha_beta': missing", id="alpha-beta-missing"
    ),
    pytest.param(
        _rule_edit(alpha_beta=0), r"alpha_beta \[Gy\] must be finite and > 0", id="alpha-beta-0"
    ),
    pytest.param(
        _rule_edit(alpha_beta_assumed=True),
        r"key 'alpha_beta_note': missing",
        id="assumed-without-note",
    ),
    pytest.param(
        _rule_edit(quantity="interval-since-previous", unit="months"),
        r"key 'alpha_beta': 'interval-since-previous' does not depend on alpha/beta",
        id="alpha-beta-for-interval",
    ),
    pytest.param(
        _rule_edit(warn_limit=70.0),
        r"key 'warn_limit': must be stricter than limit 64",
        id="warn-limit-not-stricter",
    ),
    pytest.param(
        _rule_edit(warn_limit=60.0, severity="warning"),
        r"key 'warn_limit': only for severity 'violation'",
        id="warn-limit-with-warning",
    ),
    pytest.param(
        _rule_edit(severity="error"), r"key 'severity': expected one of", id="bad-severity"
    ),
    pytest.param(_rule_edit(kind="limit"), r"key 'kind': expected one of", id="bad-kind"),
    pytest.param(_rule_edit(verbatim="no"), r"key 'verbatim': expected true or false", id="vb"),
    pytest.param(_rule_edit(quote=""), r"key 'quote': expected a non-empty string", id="quote"),
    pytest.param(
        _rule_edit(applies_to=["target", "cord"]),
        r"key 'applies_to': expected 'target' or '\*' alone",
        id="target-in-list",
    ),
    pytest.param(_rule_edit(applies_to=3), r"key 'applies_to': expected 'target'", id="at-int"),
    pytest.param(
        _rule_edit(applies_to="target"),
        r"key 'quantity': 'cumulative-eqd2' is an organ quantity",
        id="organ-quantity-on-target",
    ),
    pytest.param(
        _rule_edit(quantity="prescribed-eqd2"),
        r"key 'quantity': 'prescribed-eqd2' is a target quantity",
        id="target-quantity-on-organ",
    ),
    pytest.param(
        _rule_edit(when={"intent": "postoperative"}),
        r"key 'when': conditions on the newest course are only for applies_to = 'target'",
        id="when-on-organ-rule",
    ),
    pytest.param(
        _rule_edit(course="newest"),
        r"key 'course': only for course-eqd2 and course-bed",
        id="course-on-cumulative",
    ),
    pytest.param(_rule_edit(quantity="course-eqd2"), r"key 'course': missing", id="course-missing"),
    pytest.param(
        _rule_edit(
            quantity="advice",
            comparator=_DELETE,
            limit=_DELETE,
            alpha_beta=_DELETE,
            alpha_beta_assumed=_DELETE,
        ),
        r"key 'unit': an 'advice' rule has no comparator",
        id="advice-with-unit",
    ),
    pytest.param(
        _rule_edit(
            quantity="advice",
            comparator=_DELETE,
            limit=_DELETE,
            unit=_DELETE,
            alpha_beta=_DELETE,
            alpha_beta_assumed=_DELETE,
        ),
        r"key 'severity': advice has no number to fail",
        id="advice-violation",
    ),
    pytest.param(_duplicate_rule(), r"key 'id': duplicate rule id", id="duplicate-id"),
]


@pytest.mark.parametrize(("data", "match"), INVALID_SETS)
def test_invalid_constraint_sets(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ConstraintSetError, match=match) as info:
        parse_constraint_set(data, origin="mine.toml")
    assert str(info.value).startswith("mine.toml: ")
    assert isinstance(info.value, InvalidInputError)
    assert isinstance(info.value, ValueError)


TARGET_RULE = {
    "id": "r",
    "applies_to": "target",
    "quantity": "advice",
    "severity": "info",
    "kind": "recommendation",
    "quote": "q",
    "verbatim": True,
}

INVALID_WHEN = [
    pytest.param({"intent": "adjuvant"}, r"key 'intent': expected one of", id="intent"),
    pytest.param({"margin": ["positive"]}, r"key 'margin': expected a list of", id="margin"),
    pytest.param({"margin": "close"}, r"key 'margin': expected an array", id="margin-str"),
    pytest.param(
        {"margin_mm": {"lt": 1.0}},
        r"key 'margin_mm': no longer accepted: give the margin categories",
        id="margin-mm-removed",
    ),
    pytest.param({"site": "npc"}, r"key 'site': unknown key", id="unknown-condition"),
]


@pytest.mark.parametrize(("when", "match"), INVALID_WHEN)
def test_invalid_conditions(when: dict[str, Any], match: str) -> None:
    data = _user_data()
    data["rule"] = [{**TARGET_RULE, "when": when}]
    with pytest.raises(ConstraintSetError, match=match):
        parse_constraint_set(data, origin="mine.toml")


def test_registry_source_needs_no_authors() -> None:
    data = _user_data()
    data["source"] = {
        "title": "A trial",
        "registry": "ClinicalTrials.gov NCT00000000",
        "table_page": "arms",
        "status": "verified",
    }
    cset = parse_constraint_set(data)
    assert cset.source.short == "ClinicalTrials.gov NCT00000000"
    assert "NCT00000000" in cset.source.citation()
