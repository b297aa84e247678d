r"""Consensus dose constraints as data: loading and validating constraint sets.

A constraint set is one TOML file per source. radcalc ships the sets under
``radcalc/data/`` (list them with :func:`list_constraint_sets`); a user can
write their own file with the same schema and load it by path. Every rule is
data a physicist can read and review: the number, its unit, the
:math:`\alpha/\beta` it is expressed in, the kind of number, where in the
source it is printed and a quotation or paraphrase.

The schema (``format = "radcalc-constraints-1"``)
--------------------------------------------------
Top level: ``format``, ``name`` (lower-case letters, digits and ``-``),
``title``, optional ``description``, a ``[source]`` table and one or more
``[[rule]]`` tables.

``[source]``: ``table_page`` (where in the source), ``status``
(``"verified"``: read in the cited source; ``"abstract"``: read in its
abstract only); ``journal`` and ``year`` (required unless a ``registry``
identifier is given); at least one of ``authors``, ``title``, ``label`` or
``registry`` (cite only what you have checked); optional ``volume_pages``, ``doi``,
``pmid``, ``registry``, ``url``, ``note``, ``label`` (the short name shown
on report rows, followed by the year; default "<first author> et al. <year>").

``[[rule]]``:

* ``id``: unique in the set; ``applies_to``: ``"target"`` (the newest
  course's prescription), an organ name or a list of names, or ``"*"``
  (every organ of the plan). Names are read by :func:`radcalc.organs.match_organ`:
  a plan organ named ``SpinalCord`` (TG-263), ``Spinal_Cord`` or ``cord``
  is the rule's ``"spinal cord"``; a name that is not in radcalc's organ
  table is compared by name (ignoring case, spaces, ``_`` and ``-``). A rule
  naming an organ without a side reads both sides (``"optic nerve"`` reads
  ``OpticNrv_L`` and ``OpticNrv_R``); a partial (``~``), qualified (``^``)
  or not-for-evaluation (``z``) structure, or a part of an organ
  (``SpinalCord_Cerv``), is never read as the organ.
* ``applies_to_prv``: optional, default ``false``: whether the rule also
  reads the organ's planning risk volume (TG-263 ``_PRV``, e.g.
  ``SpinalCord_PRV05``). A PRV is never silently taken for the organ.
* ``quantity``: one of :data:`QUANTITIES`; ``comparator`` (``<=``, ``<``,
  ``>=``, ``>``), ``limit`` and ``unit`` (the unit the quantity is computed
  in, see :data:`QUANTITIES`), all absent for ``quantity = "advice"``.
  Optional ``warn_limit`` (only with ``severity = "violation"``): a stricter
  value of the same comparator; a value between the two is WARN.
* ``alpha_beta`` [Gy], required for the EQD2 and BED quantities and absent
  otherwise, with ``alpha_beta_assumed`` (``true`` when the source does not
  state it and it is radcalc's assumption, then ``alpha_beta_note`` says so).
* ``course``: ``"newest"`` or ``"each"`` for ``course-eqd2``/``course-bed``.
* ``metric``: optional, organ rules on an EQD2/BED quantity only: the DVH
  metric the limit is stated on (``"D0.03cc"``, ``"D2cc"``, ``"Dmax"``, ``"D1%"``;
  the syntax of :mod:`radcalc.dosevolume.metrics`; ``Dmean`` and volume metrics
  are refused because the EQD2 of a mean dose is not the mean EQD2). Without
  it the rule reads the organ's max dose as the plan gives it (its
  ``max_dose``, or its ``metric`` from the courses' files), as before. With
  it, a course whose files are given contributes that metric of its DVH; a
  typed-in course contributes only when the plan organ's ``metric`` is the
  same, else the row is N/A "not evaluated" with the reason (never a PASS).
  Cumulative values are per-structure sums of each course's metric (no
  registration): for ``Dmax`` an upper bound of the voxel sum.
* ``severity``: ``violation`` (FAIL), ``warning`` (WARN) or ``info`` (INFO).
* ``kind``: one of :data:`KINDS`; optional ``consensus`` text.
* ``quote`` with ``verbatim = true`` (a quotation) or ``false`` (a
  paraphrase); optional ``table_page`` (row-level location), ``status``
  (defaults to the source's), ``note``.
* ``when``: optional conditions on the newest course (target rules),
  ``intent`` (one of :data:`INTENTS`) and ``margin`` (a list of
  :data:`MARGIN_CATEGORIES`; a plan's ``margin_mm`` is read as its category
  by :func:`margin_category`, so a millimetre value and a category can never
  give different advice).
* ``scope``: optional table, the rule's scope as its source states it;
  outside it the rule is N/A ("not applicable: outside the rule's scope")
  with the reason. ``fractions`` and ``dose_per_fraction`` [Gy]: bounds
  (``gt``, ``ge``, ``lt``, ``le``) on the newest course; ``exclude``: organ
  names the rule is not for (with ``applies_to = "*"``); ``note``
  (required): where the scope comes from; ``assumed`` (required): ``true``
  when the scope is radcalc's reading rather than the source's words.

Statuses ``unverified`` and ``missing`` are refused: a number that could not
be checked against its source must not be used to judge a plan.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from radcalc._tables import constraint_set_html
from radcalc._toml import Table, parse_toml_text, read_toml_file
from radcalc._validate import normalize_name
from radcalc.errors import ConstraintSetError, InvalidInputError
from radcalc.organs import OrganName, match_organ

__all__ = [
    "FORMAT",
    "INTENTS",
    "KINDS",
    "MARGIN_CATEGORIES",
    "QUANTITIES",
    "SEVERITIES",
    "MARGIN_CATEGORY_RANGES",
    "Bounds",
    "Condition",
    "ConstraintRule",
    "ConstraintSet",
    "MarginRange",
    "Scope",
    "Source",
    "compare",
    "list_constraint_sets",
    "load_constraint_set",
    "margin_category",
    "margin_text",
    "normalize_name",
    "parse_constraint_set",
]

#: The value of the ``format`` key that marks a constraint-set file.
FORMAT = "radcalc-constraints-1"

#: Quantities a rule can check, and the unit each is computed in.
QUANTITIES: MappingProxyType[str, str] = MappingProxyType(
    {
        # Target rules: the newest course's prescription.
        "prescribed-eqd2": "Gy",  # EQD2 of the newest course, at the rule's alpha/beta
        "prescribed-bed": "Gy",  # BED of the newest course
        "prescribed-dose": "Gy",  # total physical dose of the newest course
        "dose-per-fraction": "Gy",  # physical dose per fraction of the newest course
        "fractions-per-day": "fractions/day",
        # Plan-wide (target or organ rules).
        "interval-since-previous": "months",  # end of previous course -> start of newest
        # Organ rules: from the organ's physical max_dose in each course.
        "cumulative-eqd2": "Gy",
        "cumulative-bed": "Gy",
        "course-eqd2": "Gy",  # one course: the newest, or each (the worst)
        "course-bed": "Gy",
        "newest-to-cumulative-eqd2": "1",  # newest course EQD2 / cumulative EQD2
        # No number: a recommendation printed when its conditions hold.
        "advice": "",
    }
)

_ALPHA_BETA_QUANTITIES = frozenset(
    {
        "prescribed-eqd2",
        "prescribed-bed",
        "cumulative-eqd2",
        "cumulative-bed",
        "course-eqd2",
        "course-bed",
        "newest-to-cumulative-eqd2",
    }
)
_TARGET_ONLY = frozenset(
    {
        "prescribed-eqd2",
        "prescribed-bed",
        "prescribed-dose",
        "dose-per-fraction",
        "fractions-per-day",
    }
)
_ORGAN_ONLY = frozenset(
    {
        "cumulative-eqd2",
        "cumulative-bed",
        "course-eqd2",
        "course-bed",
        "newest-to-cumulative-eqd2",
    }
)

#: What kind of number a rule is.
KINDS = (
    "recommended-limit",  # a limit or dose window the source recommends
    "observed-safe",  # a dose at which the source observed no (or acceptable) harm
    "isoeffect",  # a dose with a stated effect probability: a reference, not a limit
    "observed-outcome",  # an outcome association reported by the source
    "prescription",  # a protocol prescription
    "recommendation",  # a recommendation without a dose limit of its own
)

#: Severities and the status a rule that is not met gets.
SEVERITIES = ("violation", "warning", "info")

#: Intents a plan's course may declare; ``when.intent`` selects rules by it.
INTENTS = ("postoperative", "definitive", "salvage", "palliative")

#: Margin categories of Li et al. 2024, Table 1 (``clear`` is the text's >= 3 mm).
MARGIN_CATEGORIES = ("on-margin", "under-1mm", "close", "clear")

Comparator = Literal["<=", "<", ">=", ">"]
_COMPARATORS: tuple[Comparator, ...] = ("<=", "<", ">=", ">")
_STATUSES = ("verified", "abstract")
_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def compare(value: float, comparator: str, limit: float) -> bool:
    """True when ``value comparator limit`` holds; exact float comparison, no rounding.

    A NaN compares False with everything, so callers must reject non-finite
    values before calling (radcalc never turns a NaN into PASS).

    Examples
    --------
    >>> compare(60.0, ">=", 60.0)
    True
    >>> compare(59.99999, ">=", 60.0)
    False
    """
    if comparator == "<=":
        return value <= limit
    if comparator == "<":
        return value < limit
    if comparator == ">=":
        return value >= limit
    if comparator == ">":
        return value > limit
    raise ConstraintSetError(f"comparator must be one of {_COMPARATORS}, got {comparator!r}")


@dataclass(frozen=True)
class Source:
    """The publication (or registry record) a constraint set comes from.

    Examples
    --------
    >>> s = load_constraint_set("li2024-npc-postop").source
    >>> s.short, s.status
    ('Li JS et al. 2024', 'verified')
    """

    status: str
    table_page: str
    title: str | None = None
    authors: str | None = None
    journal: str | None = None
    year: int | None = None
    volume_pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    registry: str | None = None
    url: str | None = None
    note: str | None = None
    label: str | None = None

    @property
    def short(self) -> str:
        """A short label, e.g. ``'Li JS et al. 2024'``, the ``label`` or the registry id."""
        year = f" {self.year}" if self.year is not None else ""
        if self.label:
            return f"{self.label}{year}"
        if self.authors:
            first = self.authors.split(",")[0].strip()
            return f"{first} et al.{year}"
        return self.registry or self.title or "unnamed source"

    def citation(self) -> str:
        """The full citation on one line.

        Examples
        --------
        >>> print(load_constraint_set("nieder2006-cord").source.citation())
        Nieder C, et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449.
        """
        parts = []
        if self.authors:
            parts.append(self.authors.rstrip("."))
        elif self.label and not self.title:
            parts.append(self.label)
        if self.title:
            parts.append(self.title.rstrip("."))
        journal = " ".join(p for p in (self.journal, str(self.year or "")) if p)
        if self.volume_pages:
            journal += f";{self.volume_pages}"
        if journal:
            parts.append(journal)
        if self.registry:
            parts.append(self.registry)
        if self.doi:
            parts.append(f"doi:{self.doi}")
        if self.pmid:
            parts.append(f"PMID {self.pmid}")
        return ". ".join(parts) + "."


@dataclass(frozen=True)
class Bounds:
    """Bounds on a number; ``None`` means unbounded on that side.

    Examples
    --------
    >>> sbrt = Bounds(ge=1, le=5, unit="fractions")
    >>> sbrt.contains(5), sbrt.contains(54), sbrt.describe()
    (True, False, '>= 1 fractions and <= 5 fractions')
    """

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    unit: str = ""

    def contains(self, value: float) -> bool:
        """True when ``value`` satisfies every bound.

        Examples
        --------
        >>> close = MarginRange(gt=1.0, lt=3.0)
        >>> close.contains(1.0), close.contains(2.0), close.contains(3.0)
        (False, True, False)
        """
        return (
            (self.gt is None or value > self.gt)
            and (self.ge is None or value >= self.ge)
            and (self.lt is None or value < self.lt)
            and (self.le is None or value <= self.le)
        )

    def describe(self) -> str:
        """The bounds as text.

        Examples
        --------
        >>> MarginRange(gt=1.0, lt=3.0).describe()
        '> 1 mm and < 3 mm'
        """
        unit = f" {self.unit}" if self.unit else ""
        parts = [
            f"{symbol} {value:g}{unit}"
            for symbol, value in ((">", self.gt), (">=", self.ge), ("<", self.lt), ("<=", self.le))
            if value is not None
        ]
        return " and ".join(parts)


@dataclass(frozen=True)
class MarginRange(Bounds):
    """Bounds on a resection margin [mm]; ``None`` means unbounded on that side."""

    unit: str = "mm"


#: The millimetres of each margin category (Li et al. 2024, Table 1, 3a, 4a, 4b;
#: ``clear``: the text's >= 3 mm). A margin of exactly 1 mm is in none of them.
MARGIN_CATEGORY_RANGES: MappingProxyType[str, MarginRange] = MappingProxyType(
    {
        "on-margin": MarginRange(le=0.0),
        "under-1mm": MarginRange(gt=0.0, lt=1.0),
        "close": MarginRange(gt=1.0, lt=3.0),
        "clear": MarginRange(ge=3.0),
    }
)


def margin_category(margin_mm: float) -> str:
    """The Li 2024 margin category of a distance of tumour from the resection margin.

    Parameters
    ----------
    margin_mm : float
        Distance of tumour from the resection margin, 0 = tumour cells on the
        margin. [mm]

    Returns
    -------
    str
        One of :data:`MARGIN_CATEGORIES`: ``on-margin`` (0 mm), ``under-1mm``
        (> 0 and < 1 mm), ``close`` (> 1 and < 3 mm), ``clear`` (>= 3 mm).

    Raises
    ------
    InvalidInputError
        For a negative or non-finite value, and for exactly 1 mm: it lies
        between the consensus categories "< 1 mm" and "> 1 and < 3 mm" (the
        panel did not agree how to call a margin <= 1 mm that does not reach
        the ink, Table 1, 3), so the user must choose the category.

    Examples
    --------
    >>> margin_category(0.8), margin_category(2.0), margin_category(3.0)
    ('under-1mm', 'close', 'clear')
    >>> margin_category(1.0)
    Traceback (most recent call last):
    ...
    radcalc.errors.InvalidInputError: margin_mm 1 mm lies between ...
    """
    if isinstance(margin_mm, bool) or not isinstance(margin_mm, (int, float)):
        raise InvalidInputError(f"margin_mm must be a number [mm], got {margin_mm!r}")
    if not (margin_mm >= 0 and margin_mm < float("inf")):
        raise InvalidInputError(f"margin_mm [mm] must be finite and >= 0, got {margin_mm!r}")
    for category, bounds in MARGIN_CATEGORY_RANGES.items():
        if bounds.contains(margin_mm):
            return category
    raise InvalidInputError(
        f"margin_mm {margin_mm:g} mm lies between the Li 2024 consensus categories "
        "'under-1mm' (< 1 mm, Table 1, 4b) and 'close' (> 1 and < 3 mm, Table 1, 3a); "
        "the panel did not agree how to classify a margin <= 1 mm that does not reach "
        "the ink (Table 1, 3): give margin = 'under-1mm' or 'close' yourself instead"
    )


def margin_text(category: str) -> str:
    """A category with its millimetres, e.g. ``"close (> 1 mm and < 3 mm)"``.

    Examples
    --------
    >>> margin_text("on-margin")
    'on-margin (<= 0 mm)'
    """
    return f"{category} ({MARGIN_CATEGORY_RANGES[category].describe()})"


@dataclass(frozen=True)
class Scope:
    """Where a rule applies, as its source states it; outside it the rule is N/A.

    Attributes
    ----------
    note : str
        Where the scope comes from (the source's words or radcalc's reading).
    assumed : bool
        True when the scope is radcalc's reading, not stated by the source.
    fractions : Bounds or None
        Bounds on the newest course's number of fractions.
    dose_per_fraction : Bounds or None
        Bounds on the newest course's dose per fraction. [Gy]
    exclude : tuple of str
        Organs the rule is not for (read by :func:`radcalc.organs.match_organ`).

    Examples
    --------
    >>> scope = load_constraint_set("hytec2021-cord-sbrt").rule("sbrt-course-dmax").scope
    >>> scope.why_not(fractions=54, dose_per_fraction=65 / 54)
    'the newest course has 54 fractions; the rule is for >= 1 and <= 5 fractions'
    >>> scope.why_not(fractions=5, dose_per_fraction=6.0) is None
    True
    """

    note: str
    assumed: bool
    fractions: Bounds | None = None
    dose_per_fraction: Bounds | None = None
    exclude: tuple[str, ...] = ()

    def why_not(self, *, fractions: int, dose_per_fraction: float) -> str | None:
        """Why a newest course of this fractionation is outside the scope, or None."""
        if self.fractions is not None and not self.fractions.contains(fractions):
            bounds = self.fractions.describe().replace(" fractions", "")
            return (
                f"the newest course has {fractions} fractions; the rule is for {bounds} fractions"
            )
        if self.dose_per_fraction is not None and not self.dose_per_fraction.contains(
            dose_per_fraction
        ):
            return (
                f"the newest course has {dose_per_fraction:.4g} Gy per fraction; the rule is "
                f"for {self.dose_per_fraction.describe()} per fraction"
            )
        return None

    def excludes(self, organ_name: str) -> str | None:
        """The excluded organ that ``organ_name`` is, or None."""
        plan = match_organ(organ_name)
        for name in self.exclude:
            if _reads(match_organ(name), plan, prv_ok=True, whole_only=False):
                return name
        return None

    def describe(self) -> str:
        """The scope as one line of text."""
        parts = []
        if self.fractions is not None:
            parts.append(f"newest course {self.fractions.describe()}")
        if self.dose_per_fraction is not None:
            parts.append(f"newest course {self.dose_per_fraction.describe()} per fraction")
        if self.exclude:
            parts.append("not for " + ", ".join(self.exclude))
        basis = "radcalc's reading" if self.assumed else "stated by the source"
        return f"{'; '.join(parts)} ({basis}: {self.note})"


def _reads(rule_name: OrganName, plan: OrganName, *, prv_ok: bool, whole_only: bool = True) -> bool:
    """True when a rule naming ``rule_name`` reads the plan structure ``plan``."""
    if rule_name.organ is None or plan.organ is None:
        return (
            rule_name.organ is None
            and plan.organ is None
            and normalize_name(rule_name.text) == normalize_name(plan.text)
        )
    if rule_name.organ != plan.organ:
        return False
    if whole_only and (plan.partial or plan.qualifier is not None or plan.not_for_evaluation):
        return False
    if rule_name.laterality is not None and rule_name.laterality != plan.laterality:
        return False
    if rule_name.prv:
        return plan.prv and rule_name.prv_mm in (None, plan.prv_mm)
    return not plan.prv or prv_ok


@dataclass(frozen=True)
class Condition:
    """When a rule applies, judged on the newest course of the plan."""

    intent: str | None = None
    margin: tuple[str, ...] | None = None

    @property
    def about_margin(self) -> bool:
        """True when the rule depends on the resection margin."""
        return self.margin is not None


@dataclass(frozen=True)
class ConstraintRule:
    """One rule of a constraint set (one ``[[rule]]`` table); see the module docs."""

    id: str
    applies_to: tuple[str, ...]
    quantity: str
    severity: str
    kind: str
    quote: str
    verbatim: bool
    status: str
    comparator: Comparator | None = None
    limit: float | None = None
    unit: str | None = None
    warn_limit: float | None = None
    alpha_beta: float | None = None
    alpha_beta_assumed: bool = False
    alpha_beta_note: str | None = None
    course: str | None = None
    metric: str | None = None
    consensus: str | None = None
    table_page: str | None = None
    note: str | None = None
    when: Condition = field(default_factory=Condition)
    applies_to_prv: bool = False
    scope: Scope | None = None

    @property
    def is_target_rule(self) -> bool:
        """True for rules about the prescription (``applies_to = "target"``)."""
        return self.applies_to == ("target",)

    def applies_to_organ(self, name: str) -> bool:
        """True when this organ rule applies to a plan organ called ``name``.

        Examples
        --------
        >>> rule = load_constraint_set("nieder2006-cord").rules[0]
        >>> rule.applies_to_organ("SpinalCord"), rule.applies_to_organ("brainstem")
        (True, False)
        >>> rule.applies_to_organ("SpinalCord_PRV05")  # a PRV only when the rule says so
        False
        """
        if self.is_target_rule:
            return False
        plan = match_organ(name)
        if self.applies_to == ("*",):
            return plan.is_whole_organ or (
                self.applies_to_prv
                and plan.prv
                and not (plan.partial or plan.qualifier or plan.not_for_evaluation)
            )
        return any(
            _reads(match_organ(n), plan, prv_ok=self.applies_to_prv) for n in self.applies_to
        )

    def describe_limit(self) -> str:
        """The limit as text, e.g. ``'>= 60 Gy'``; ``''`` for advice.

        Examples
        --------
        >>> load_constraint_set("li2024-npc-postop").rule("latency").describe_limit()
        '>= 6 months (WARN unless >= 12 months)'
        """
        if self.comparator is None or self.limit is None:
            return ""
        unit = "" if self.unit in (None, "", "1") else f" {self.unit}"
        text = f"{self.comparator} {self.limit:g}{unit}"
        if self.warn_limit is not None:
            text += f" (WARN unless {self.comparator} {self.warn_limit:g}{unit})"
        return text


@dataclass(frozen=True)
class ConstraintSet:
    """A named set of rules from one source.

    Examples
    --------
    >>> cset = load_constraint_set("li2024-npc-postop")
    >>> [rule.id for rule in cset.rules][:4]
    ['eqd2-min', 'eqd2-max', 'dose-per-fraction', 'latency']
    """

    name: str
    title: str
    source: Source
    rules: tuple[ConstraintRule, ...]
    origin: str
    shipped: bool
    description: str | None = None

    def rule(self, rule_id: str) -> ConstraintRule:
        """The rule with id ``rule_id``.

        Examples
        --------
        >>> load_constraint_set("li2024-npc-postop").rule("dose-per-fraction").limit
        2.0

        Raises
        ------
        ConstraintSetError
            When the set has no such rule.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise ConstraintSetError(
            f"constraint set {self.name!r} has no rule {rule_id!r}; its rules are "
            + ", ".join(r.id for r in self.rules)
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the set, its source and every rule."""
        source = dataclasses.asdict(self.source)
        source["citation"] = self.source.citation()
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "origin": self.origin,
            "shipped": self.shipped,
            "source": source,
            "rules": [dataclasses.asdict(rule) for rule in self.rules],
        }

    def _repr_html_(self) -> str:
        return constraint_set_html(self)

    def describe(self) -> str:
        """Every rule as readable text, with the source: for review by a physicist.

        Examples
        --------
        >>> print(load_constraint_set("nieder2006-cord").describe())  # doctest: +ELLIPSIS
        nieder2006-cord: Spinal cord re-irradiation: ...
        Source [abstract]: Nieder C, et al. Int J Radiat Oncol Biol Phys 2006;66:1446-1449.
        ...
        cumulative-bed  (spinal cord / cord)
          cumulative-bed <= 135.5 Gy at α/β 2 Gy (stated by the source)
          severity violation (FAIL when not met); kind recommended-limit; status abstract
        ...
        """
        lines = [f"{self.name}: {self.title}"]
        lines.append(f"Source [{self.source.status}]: {self.source.citation()}")
        lines.append(f"Where: {self.source.table_page}")
        if self.source.url:
            lines.append(f"URL: {self.source.url}")
        if self.source.note:
            lines.append(f"Note: {self.source.note}")
        lines.append(f"File: {self.origin}")
        if self.description:
            lines.append("")
            lines.extend(self.description.splitlines())
        for rule in self.rules:
            lines.append("")
            lines.append(f"{rule.id}  ({' / '.join(rule.applies_to)})")
            if rule.quantity == "advice":
                lines.append("  advice (no number)")
            else:
                text = f"  {rule.quantity} {rule.describe_limit()}"
                if rule.alpha_beta is not None:
                    basis = (
                        rule.alpha_beta_note or "radcalc's assumption"
                        if rule.alpha_beta_assumed
                        else "stated by the source"
                    )
                    text += f" at α/β {rule.alpha_beta:g} Gy ({basis})"
                if rule.course is not None:
                    text += f"; course: {rule.course}"
                if rule.metric is not None:
                    text += f"; metric: {rule.metric}"
                lines.append(text)
            conditions = []
            if rule.when.intent is not None:
                conditions.append(f"intent {rule.when.intent}")
            if rule.when.margin is not None:
                conditions.append(f"margin {' or '.join(rule.when.margin)}")
            if rule.applies_to_prv:
                conditions.append("also the organ's PRV")
            if conditions:
                lines.append(f"  when: {', '.join(conditions)}")
            if rule.scope is not None:
                lines.append(f"  scope: {rule.scope.describe()}")
            outcome = {
                "violation": "FAIL when not met",
                "warning": "WARN when not met",
                "info": "INFO only",
            }[rule.severity]
            if rule.quantity == "advice":
                outcome = {"warning": "WARN when it applies", "info": "INFO when it applies"}.get(
                    rule.severity, outcome
                )
            lines.append(
                f"  severity {rule.severity} ({outcome}); kind {rule.kind}; status {rule.status}"
            )
            if rule.consensus:
                lines.append(f"  consensus: {rule.consensus}")
            where = f" ({rule.table_page})" if rule.table_page else ""
            mark = "quote" if rule.verbatim else "paraphrase"
            lines.append(f"  {mark}{where}: {rule.quote}")
            if rule.note:
                lines.append(f"  note: {rule.note}")
        return "\n".join(lines)


# --- loading ----------------------------------------------------------------


def _data_files() -> dict[str, str]:
    """Shipped constraint files: set name -> TOML text (other data files are skipped)."""
    found: dict[str, str] = {}
    folder = resources.files("radcalc").joinpath("data")
    for entry in folder.iterdir():
        if not entry.name.endswith(".toml"):
            continue
        text = entry.read_text(encoding="utf-8")
        if f'format = "{FORMAT}"' in text:
            found[entry.name.removesuffix(".toml")] = text
    return found


@functools.cache
def _shipped() -> MappingProxyType[str, ConstraintSet]:
    sets = {}
    for stem, text in sorted(_data_files().items()):
        origin = f"radcalc/data/{stem}.toml"
        data = parse_toml_text(text, origin, ConstraintSetError)
        cset = dataclasses.replace(parse_constraint_set(data, origin=origin), shipped=True)
        if cset.name != stem:
            raise ConstraintSetError(
                f"{origin}: key 'name': a shipped set's name must equal its file name "
                f"{stem!r}, got {cset.name!r}"
            )
        sets[stem] = cset
    return MappingProxyType(sets)


def list_constraint_sets() -> tuple[str, ...]:
    """Names of the constraint sets shipped with radcalc, sorted.

    Returns
    -------
    tuple of str
        Each name can be given to :func:`load_constraint_set`, to a plan file's
        ``constraint_sets`` and to ``radcalc constraints show``.

    Examples
    --------
    >>> "li2024-npc-postop" in list_constraint_sets()
    True
    """
    return tuple(_shipped())


def _looks_like_path(text: str) -> bool:
    return text.lower().endswith(".toml") or "/" in text or os.sep in text


def load_constraint_set(
    name_or_path: str | os.PathLike[str] | ConstraintSet,
    *,
    relative_to: str | os.PathLike[str] | None = None,
) -> ConstraintSet:
    """Load a shipped constraint set by name, or a user's constraint file by path.

    Parameters
    ----------
    name_or_path : str, path-like or ConstraintSet
        A shipped name such as ``"li2024-npc-postop"`` (see
        :func:`list_constraint_sets`), or the path of a TOML file with the same
        schema (a string ending in ``.toml`` or containing ``/``). A
        :class:`ConstraintSet` is returned unchanged.
    relative_to : path-like, optional
        Folder that a relative path is resolved against (a plan file's folder).

    Returns
    -------
    ConstraintSet

    Raises
    ------
    ConstraintSetError
        For an unknown name, an unreadable file, invalid TOML or a file that
        breaks the schema; the message names the file, the key and what was
        expected. A user's set may not reuse a shipped set's name.

    Examples
    --------
    >>> cord = load_constraint_set("nieder2006-cord")
    >>> cord.source.status, cord.rule("cumulative-bed").limit
    ('abstract', 135.5)
    >>> load_constraint_set("li2024")
    Traceback (most recent call last):
    ...
    radcalc.errors.ConstraintSetError: unknown constraint set 'li2024'; expected ...
    """
    if isinstance(name_or_path, ConstraintSet):
        return name_or_path
    shipped = _shipped()
    if isinstance(name_or_path, str):
        if name_or_path in shipped:
            return shipped[name_or_path]
        if not _looks_like_path(name_or_path):
            raise ConstraintSetError(
                f"unknown constraint set {name_or_path!r}; expected one of "
                + ", ".join(shipped)
                + " or the path of a .toml constraint file"
            )
    elif not isinstance(name_or_path, os.PathLike):
        raise ConstraintSetError(
            f"constraint set must be a name, a path or a ConstraintSet, got {name_or_path!r}"
        )
    path = Path(name_or_path)
    if relative_to is not None and not path.is_absolute():
        path = Path(relative_to) / path
    data = read_toml_file(path, ConstraintSetError)
    cset = parse_constraint_set(data, origin=str(path))
    if cset.name in shipped:
        raise ConstraintSetError(
            f"{path}: key 'name': {cset.name!r} is the name of a set shipped with radcalc; "
            "give your own set another name"
        )
    return cset


def parse_constraint_set(
    data: Mapping[str, Any], *, origin: str = "<constraint set>"
) -> ConstraintSet:
    """Validate a parsed constraint-set table and return a :class:`ConstraintSet`.

    Parameters
    ----------
    data : Mapping
        The parsed TOML (e.g. from :func:`tomllib.load`).
    origin : str
        Named in error messages (usually the file path).

    Returns
    -------
    ConstraintSet

    Raises
    ------
    ConstraintSetError
        For any key that is unknown, missing, of the wrong type or value; the
        message names ``origin``, the key and what was expected.

    Examples
    --------
    >>> parse_constraint_set({"format": "radcalc-constraints-1"}, origin="mine.toml")
    Traceback (most recent call last):
    ...
    radcalc.errors.ConstraintSetError: mine.toml: key 'name': missing; expected ...
    """
    top = Table(data, origin=origin, where="", error=ConstraintSetError)
    top.check_keys(("format", "name", "title", "description", "source", "rule"))
    top.required_string("format", choices=(FORMAT,))
    name = top.required_string("name")
    if not _NAME_RE.match(name):
        top.expected("name", "lower-case letters, digits and '-', e.g. 'my-clinic-cord'", name)
    title = top.required_string("title")
    description = top.string("description", required=False)
    source_table = top.table("source", where="[source]")
    if source_table is None:  # pragma: no cover - table() raises for a missing key
        top.fail("source", "missing")
    source = _parse_source(source_table)
    rules: list[ConstraintRule] = []
    for table in top.tables("rule", label="rule"):
        rule = _parse_rule(table, source)
        if any(r.id == rule.id for r in rules):
            table.fail("id", f"duplicate rule id {rule.id!r}; ids must be unique in a set")
        rules.append(rule)
    return ConstraintSet(
        name=name,
        title=title,
        source=source,
        rules=tuple(rules),
        origin=origin,
        shipped=False,
        description=description.strip() if description else None,
    )


def _parse_source(table: Table) -> Source:
    table.check_keys(
        (
            "authors",
            "title",
            "journal",
            "year",
            "volume_pages",
            "doi",
            "pmid",
            "registry",
            "url",
            "table_page",
            "status",
            "note",
            "label",
        )
    )
    status = _parse_status(table, "status")
    if status is None:  # pragma: no cover - a required key: _parse_status raises
        table.fail("status", "missing")
    registry = table.string("registry", required=False)
    needed = registry is None
    year = table.integer("year", required=needed)
    if year is not None and not 1800 <= year <= 2200:
        table.expected("year", "a four-digit year", year)
    title = table.string("title", required=False)
    authors = table.string("authors", required=False)
    label = table.string("label", required=False)
    if not (title or authors or label or registry):
        table.fail("authors", "missing; expected at least one of authors, title, label or registry")
    return Source(
        title=title,
        status=status,
        table_page=table.required_string("table_page"),
        authors=authors,
        journal=table.string("journal", required=needed),
        year=year,
        volume_pages=table.string("volume_pages", required=False),
        doi=table.string("doi", required=False),
        pmid=table.string("pmid", required=False),
        registry=registry,
        url=table.string("url", required=False),
        note=table.string("note", required=False),
        label=label,
    )


def _parse_status(table: Table, key: str, *, required: bool = True) -> str | None:
    value = table.data.get(key)
    if value in ("unverified", "missing"):
        table.fail(
            key,
            f"status {value!r} cannot be used: only numbers read in their source "
            "('verified') or its abstract ('abstract') may judge a plan",
        )
    return table.string(key, required=required, choices=_STATUSES)


_RULE_KEYS = (
    "id",
    "applies_to",
    "quantity",
    "comparator",
    "limit",
    "warn_limit",
    "unit",
    "alpha_beta",
    "alpha_beta_assumed",
    "alpha_beta_note",
    "course",
    "metric",
    "severity",
    "kind",
    "consensus",
    "quote",
    "verbatim",
    "table_page",
    "status",
    "note",
    "when",
    "applies_to_prv",
    "scope",
)


def _parse_rule(table: Table, source: Source) -> ConstraintRule:
    table.check_keys(_RULE_KEYS)
    rule_id = table.required_string("id")
    if not _NAME_RE.match(rule_id):
        table.expected("id", "lower-case letters, digits and '-', e.g. 'cumulative-bed'", rule_id)
    table.where = f"{table.where} (id {rule_id!r})"
    applies_to = _parse_applies_to(table)
    quantity = table.required_string("quantity", choices=QUANTITIES)
    target = applies_to == ("target",)
    if target and quantity in _ORGAN_ONLY:
        table.fail("quantity", f"{quantity!r} is an organ quantity; applies_to is 'target'")
    if not target and quantity in _TARGET_ONLY:
        table.fail("quantity", f"{quantity!r} is a target quantity; applies_to must be 'target'")
    severity = table.required_string("severity", choices=SEVERITIES)
    comparator, limit, unit, warn_limit = _parse_limit(table, quantity, severity)
    alpha_beta, assumed, note = _parse_alpha_beta(table, quantity)
    course = None
    if quantity in ("course-eqd2", "course-bed"):
        course = table.required_string("course", choices=("newest", "each"))
    elif table.has("course"):
        table.fail("course", f"only for course-eqd2 and course-bed, not {quantity!r}")
    metric = _parse_metric(table, quantity, alpha_beta is not None and not target)
    when = _parse_when(table, target)
    applies_to_prv = table.boolean("applies_to_prv", required=False)
    if applies_to_prv is not None and target:
        table.fail("applies_to_prv", "only for organ rules, not for applies_to = 'target'")
    scope = _parse_scope(table, applies_to)
    if quantity == "advice" and severity == "violation":
        table.fail("severity", "advice has no number to fail; use 'warning' or 'info'")
    return ConstraintRule(
        id=rule_id,
        applies_to=applies_to,
        quantity=quantity,
        severity=severity,
        kind=table.required_string("kind", choices=KINDS),
        quote=table.required_string("quote"),
        verbatim=_required_bool(table, "verbatim"),
        status=_parse_status(table, "status", required=False) or source.status,
        comparator=comparator,
        limit=limit,
        unit=unit,
        warn_limit=warn_limit,
        alpha_beta=alpha_beta,
        alpha_beta_assumed=assumed,
        alpha_beta_note=note,
        course=course,
        metric=metric,
        consensus=table.string("consensus", required=False),
        table_page=table.string("table_page", required=False),
        note=table.string("note", required=False),
        when=when,
        applies_to_prv=bool(applies_to_prv),
        scope=scope,
    )


def _parse_metric(table: Table, quantity: str, organ_dose: bool) -> str | None:
    """``metric``: the DVH metric an organ rule's EQD2/BED limit is stated on."""
    text = table.string("metric", required=False)
    if text is None:
        return None
    if not organ_dose:
        table.fail(
            "metric",
            f"only for organ rules on an EQD2/BED quantity (cumulative-eqd2, course-bed, ...), "
            f"not {quantity!r}",
        )
    from radcalc.plan import max_dose_metric

    try:
        return max_dose_metric(text)
    except InvalidInputError as exc:
        table.fail("metric", str(exc))


def _required_bool(table: Table, key: str) -> bool:
    value = table.boolean(key, required=True)
    return bool(value)


def _parse_applies_to(table: Table) -> tuple[str, ...]:
    value = table.data.get("applies_to")
    what = "'target', '*', an organ name or a list of organ names"
    if isinstance(value, str) and value.strip():
        names: tuple[str, ...] = (value.strip(),)
    elif isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        names = tuple(v.strip() for v in value)
    elif value is None:
        table.fail("applies_to", f"missing; expected {what}")
    else:
        table.expected("applies_to", what, value)
    if len(names) > 1 and ("target" in names or "*" in names):
        table.expected("applies_to", "'target' or '*' alone, not in a list", value)
    return names


def _parse_limit(
    table: Table, quantity: str, severity: str
) -> tuple[Comparator | None, float | None, str | None, float | None]:
    keys = ("comparator", "limit", "unit", "warn_limit")
    if quantity == "advice":
        for key in keys:
            if table.has(key):
                table.fail(key, "an 'advice' rule has no comparator, limit, unit or warn_limit")
        return None, None, None, None
    comparator_text = table.required_string("comparator", choices=_COMPARATORS)
    comparator = next(c for c in _COMPARATORS if c == comparator_text)
    limit = table.required_number("limit")
    expected_unit = QUANTITIES[quantity]
    unit = table.required_string("unit")
    if unit != expected_unit:
        table.expected("unit", f"{expected_unit!r} (the unit radcalc computes {quantity} in)", unit)
    warn_limit = table.number("warn_limit", required=False)
    if warn_limit is not None:
        if severity != "violation":
            table.fail(
                "warn_limit", "only for severity 'violation' (FAIL beyond limit, WARN between)"
            )
        stricter = warn_limit > limit if comparator in (">=", ">") else warn_limit < limit
        if not stricter:
            table.fail(
                "warn_limit",
                f"must be stricter than limit {limit:g} for comparator {comparator!r}, "
                f"got {warn_limit:g}",
            )
    return comparator, limit, unit, warn_limit


def _parse_alpha_beta(table: Table, quantity: str) -> tuple[float | None, bool, str | None]:
    if quantity not in _ALPHA_BETA_QUANTITIES:
        for key in ("alpha_beta", "alpha_beta_assumed", "alpha_beta_note"):
            if table.has(key):
                table.fail(key, f"{quantity!r} does not depend on alpha/beta; remove {key}")
        return None, False, None
    alpha_beta = table.required_number("alpha_beta", rule="> 0", unit="Gy")
    assumed = _required_bool(table, "alpha_beta_assumed")
    note = table.string("alpha_beta_note", required=assumed)
    return alpha_beta, assumed, note


def _parse_when(table: Table, target: bool) -> Condition:
    sub = table.table("when", where=f"{table.where}, key 'when'", required=False)
    if sub is None:
        return Condition()
    if sub.has("margin_mm"):
        sub.fail(
            "margin_mm",
            "no longer accepted: give the margin categories as margin = [...] (one of "
            + ", ".join(MARGIN_CATEGORIES)
            + "); a plan's margin_mm is read as its category, so both give the same advice",
        )
    sub.check_keys(("intent", "margin"))
    if not target:
        table.fail("when", "conditions on the newest course are only for applies_to = 'target'")
    intent = sub.string("intent", required=False, choices=INTENTS)
    margin = sub.string_list("margin", required=False)
    if margin is not None:
        for item in margin:
            if item not in MARGIN_CATEGORIES:
                sub.expected("margin", "a list of " + ", ".join(MARGIN_CATEGORIES), margin)
    return Condition(intent=intent, margin=margin)


def _parse_bounds(table: Table, key: str, unit: str) -> Bounds | None:
    sub = table.table(key, where=f"{table.where}.{key}", required=False)
    if sub is None:
        return None
    sub.check_keys(("gt", "ge", "lt", "le"))
    values = {k: sub.number(k, rule=">= 0", unit=unit, required=False) for k in sub.data}
    if not values:
        table.fail(key, "expected at least one of gt, ge, lt, le")
    return Bounds(**values, unit=unit)


def _parse_scope(table: Table, applies_to: tuple[str, ...]) -> Scope | None:
    sub = table.table("scope", where=f"{table.where}, key 'scope'", required=False)
    if sub is None:
        return None
    sub.check_keys(("fractions", "dose_per_fraction", "exclude", "note", "assumed"))
    note = sub.required_string("note")
    assumed = _required_bool(sub, "assumed")
    fractions = _parse_bounds(sub, "fractions", "fractions")
    dose_per_fraction = _parse_bounds(sub, "dose_per_fraction", "Gy")
    exclude = tuple(sub.string_list("exclude", required=False) or ())
    if exclude and applies_to != ("*",):
        sub.fail("exclude", "only with applies_to = '*' (name the organs in applies_to instead)")
    for name in exclude:
        if not match_organ(name).is_whole_organ:
            sub.expected(
                "exclude", "whole-organ names (a PRV of an excluded organ is excluded)", name
            )
    if fractions is None and dose_per_fraction is None and not exclude:
        sub.fail("fractions", "missing; a scope needs fractions, dose_per_fraction or exclude")
    return Scope(
        note=note,
        assumed=assumed,
        fractions=fractions,
        dose_per_fraction=dose_per_fraction,
        exclude=exclude,
    )
