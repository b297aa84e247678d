r"""Check a re-irradiation plan against consensus constraint sets.

:func:`check_plan` evaluates every rule of every constraint set named by the
plan (plus any extra sets) and returns a :class:`CheckReport`: one
:class:`CheckRow` per rule (per organ for organ rules) with a status:

=======  ===============================================================
PASS     the rule's condition holds (severity ``violation``/``warning``)
WARN     a ``warning`` rule is not met, a ``violation`` rule falls in its
         warning band, or a warning-level recommendation applies
FAIL     a ``violation`` rule is not met, or a value is not a finite number
INFO     an ``info`` rule (met or not; the detail says which)
N/A      not applicable (its condition, e.g. intent, does not hold) or not
         evaluated (an input is missing, e.g. no organ of that name): never
         a PASS
=======  ===============================================================

Conventions
-----------
* Comparisons use the exact floating-point value, never a rounded one:
  60.0 Gy passes ``>= 60``, 2.0 Gy per fraction passes ``<= 2``, and an
  interval of exactly 6 months is not ``< 6``.
* Target rules read the newest course. Their α/β is the rule's; when that
  α/β is radcalc's assumption (not stated by the source), the plan's
  ``target_alpha_beta`` replaces it. Organ rules are evaluated at the α/β the
  source's limit is expressed in; an organ's ``alpha_beta`` replaces only an
  assumed one. Every row shows the α/β used and why.
* Cumulative organ values use the plan's recovery model (default ``"none"``)
  through :func:`radcalc.reirradiation.cumulative_eqd2` and
  :func:`~radcalc.reirradiation.cumulative_bed`, and name it in the row.
* NaN and inf never reach a comparison: plans and constraint files reject
  them on loading, and a computed value that is not finite is a FAIL.
* Organ names are read by :func:`radcalc.organs.match_organ` (TG-263 names
  and variants); the report says how each plan organ was matched and which
  rules read it. A PRV is read only by a rule with ``applies_to_prv = true``.
* A rule outside its scope (:class:`radcalc.constraints.Scope`, e.g. an SBRT
  rule and a 54-fraction course) is N/A, "not applicable", with the reason.

Never a silent skip
-------------------
An N/A row is either *not applicable* (the rule's conditions or scope do not
hold: the rule has nothing to say) or *not evaluated* (an input is missing,
e.g. no organ of that name). :attr:`CheckReport.complete` is False when a
row is not evaluated or a plan organ is read by no rule; both are listed in
the report, and ``radcalc check --strict`` exits with
:data:`EXIT_NOT_EVALUABLE` for them.

=====  ==================================================================
exit   ``radcalc check``
=====  ==================================================================
0      no rule FAILs (and, with ``--strict``, everything was evaluated)
1      invalid plan or constraint file (one ``Error:`` line on stderr)
2      usage error
3      at least one rule FAILs (:data:`EXIT_FAIL`; before 4)
4      ``--strict`` only: no FAIL, but a rule could not be evaluated or a
       plan organ is read by no rule (:data:`EXIT_NOT_EVALUABLE`)
=====  ==================================================================
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from radcalc import lq
from radcalc._tables import ALPHA_BETA_FOOTNOTE, align_by_header, html_table
from radcalc.constraints import (
    ConstraintRule,
    ConstraintSet,
    compare,
    load_constraint_set,
    margin_text,
)
from radcalc.errors import ConstraintSetError, InvalidInputError, PlanFileError
from radcalc.organs import match_organ
from radcalc.plan import Plan, PlanCourse, PlanOrgan, load_plan, parse_plan, resolve_doses
from radcalc.recovery import RecoveryModel, recovery_scope_note, resolve_recovery
from radcalc.reirradiation import cumulative_bed, cumulative_eqd2
from radcalc.uncertainty import AlphaBetaRange, alpha_beta_bounds, alpha_beta_flips

__all__ = [
    "EXIT_FAIL",
    "EXIT_NOT_EVALUABLE",
    "EXIT_OK",
    "STATUSES",
    "CheckReport",
    "CheckRow",
    "OrganReport",
    "Status",
    "check_plan",
]

Status = Literal["PASS", "WARN", "FAIL", "INFO", "N/A"]

#: Every status, most serious first.
STATUSES: tuple[Status, ...] = ("FAIL", "WARN", "PASS", "INFO", "N/A")

#: Exit status of ``radcalc check``: no rule FAILs (and, with --strict, all evaluated).
EXIT_OK = 0
#: Exit status of ``radcalc check`` when at least one rule FAILs.
EXIT_FAIL = 3
#: Exit status of ``radcalc check --strict`` when nothing FAILs but a rule could
#: not be evaluated or a plan organ is read by no rule.
EXIT_NOT_EVALUABLE = 4

_HEADERS = ("STATUS", "RULE", "APPLIES TO", "VALUE", "LIMIT", "α/β", "SOURCE")
_STATUS_COLOURS: Mapping[Status, str] = {
    "FAIL": "#f8d7da",
    "WARN": "#fff3cd",
    "PASS": "#d1e7dd",
    "INFO": "#cfe2ff",
    "N/A": "#e9ecef",
}
_SEVERITY_STATUS: Mapping[str, Status] = {"violation": "FAIL", "warning": "WARN", "info": "INFO"}


@dataclass(frozen=True)
class CheckRow:
    """The result of one rule (for one organ) on one plan.

    Attributes
    ----------
    set_name, rule_id : str
        The constraint set and the rule's id in it.
    applies_to : str
        ``"target"`` or the plan's organ name (for an organ rule that found no
        organ: the names it looks for).
    status : str
        One of :data:`STATUSES`.
    value, limit, warn_limit : float or None
        The computed value and the rule's limits, in ``unit``; None for
        advice and N/A rows.
    alpha_beta : float or None
        The α/β used [Gy]; ``alpha_beta_basis`` says where it came from, and
        ``alpha_beta_assumed`` is True when it is radcalc's assumption (the
        source does not state it and the plan did not replace it).
    recovery : str or None
        The recovery model of a cumulative value, with its source.
    detail : str
        Why the row has its status, in words.
    metric : str or None
        For organ rows on EQD2/BED: the DVH metric that gave each course's
        dose (the rule's ``metric``, else the plan organ's, default ``"Dmax"``).
    alpha_beta_range : tuple of float or None
        ``(low, high)`` when the row was judged over an α/β range
        (``alpha_beta_ranges`` of :func:`check_plan`); ``value`` and
        ``alpha_beta`` are then the least favourable value and its α/β. [Gy]
    value_range : tuple of float or None
        The lowest and highest value over the range.
    alpha_beta_flips : tuple of float
        The α/β at which the status changes (a WARN "depends on α/β"). [Gy]
    """

    set_name: str
    rule_id: str
    applies_to: str
    status: Status
    value: float | None
    limit: float | None
    warn_limit: float | None
    comparator: str | None
    unit: str
    quantity: str
    alpha_beta: float | None
    alpha_beta_basis: str | None
    alpha_beta_assumed: bool
    severity: str
    kind: str
    consensus: str | None
    source: str
    source_status: str
    recovery: str | None
    detail: str
    quote: str
    metric: str | None = None
    alpha_beta_range: tuple[float, float] | None = None
    value_range: tuple[float, float] | None = None
    alpha_beta_flips: tuple[float, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``rule``, ``set``, ``status``, ``value``, ``limit``, ``unit``,
        ``source`` and the other fields by name.

        A value that is not a finite number (always a FAIL) becomes ``None``,
        so that the JSON stays valid; ``detail`` says what it was.

        Examples
        --------
        >>> report = check_plan({"constraint_sets": ["li2024-npc-postop"],
        ...                      "course": [{"schedule": "60/30", "intent": "postoperative"}]})
        >>> row = report.rows[0].to_dict()
        >>> row["rule"], row["status"], row["value"], row["limit"], row["unit"]
        ('eqd2-min', 'PASS', 60.0, 60.0, 'Gy')
        """
        finite = self.value is not None and math.isfinite(self.value)
        return {
            "rule": self.rule_id,
            "set": self.set_name,
            "status": self.status,
            "value": self.value if finite else None,
            "limit": self.limit,
            "unit": self.unit,
            "source": self.source,
            "applies_to": self.applies_to,
            "quantity": self.quantity,
            "comparator": self.comparator,
            "warn_limit": self.warn_limit,
            "alpha_beta": self.alpha_beta,
            "alpha_beta_basis": self.alpha_beta_basis,
            "alpha_beta_assumed": self.alpha_beta_assumed,
            "recovery": self.recovery,
            "severity": self.severity,
            "kind": self.kind,
            "consensus": self.consensus,
            "source_status": self.source_status,
            "detail": self.detail,
            "quote": self.quote,
            "evaluated": self.evaluated,
            "metric": self.metric,
            "alpha_beta_range": list(self.alpha_beta_range) if self.alpha_beta_range else None,
            "value_range": list(self.value_range) if self.value_range else None,
            "alpha_beta_flips": list(self.alpha_beta_flips),
        }

    @property
    def evaluated(self) -> bool:
        """False for an N/A row that could not be evaluated (an input is missing).

        A row that is *not applicable* (conditions or scope do not hold) counts
        as evaluated: the rule has nothing to say about this plan.
        """
        return not (self.status == "N/A" and self.detail.startswith("not evaluated"))

    def value_text(self) -> str:
        """The value with its unit and quantity, e.g. ``'60.6867 Gy EQD2'``; ``''`` if none.

        Printed to 6 significant digits, or in full when that would read like
        the limit although it differs from it.
        """
        if self.value is None:
            return ""
        if self.value_range is not None:
            low, high = (_number_text(v, self.limit) for v in self.value_range)
            if low != high:
                return _with_unit(f"{low} to {high}", self.unit, self.quantity)
        return _with_unit(_number_text(self.value, self.limit), self.unit, self.quantity)

    def limit_text(self) -> str:
        """The limit, e.g. ``'>= 60 Gy'``; ``''`` for advice."""
        if self.limit is None or self.comparator is None:
            return ""
        text = f"{self.comparator} " + _with_unit(f"{self.limit:g}", self.unit, self.quantity)
        if self.warn_limit is not None:
            text += (
                f" (WARN < {self.warn_limit:g})"
                if self.comparator.startswith(">")
                else (f" (WARN > {self.warn_limit:g})")
            )
        return text

    def alpha_beta_text(self) -> str:
        """E.g. ``'10*'`` (``*`` = radcalc's assumption), ``'2 to 4'`` (a range) or ``''``."""
        if self.alpha_beta_range is not None:
            return f"{self.alpha_beta_range[0]:g} to {self.alpha_beta_range[1]:g}"
        if self.alpha_beta is None:
            return ""
        mark = "*" if self.alpha_beta_assumed else ""
        return f"{self.alpha_beta:g}{mark}"

    def cells(self) -> tuple[str, ...]:
        """The row's cells under the report's column headers (``_HEADERS``)."""
        return (
            self.status,
            f"{self.set_name}:{self.rule_id}",
            self.applies_to,
            self.value_text(),
            self.limit_text(),
            self.alpha_beta_text(),
            f"{self.source} [{self.source_status}]",
        )


def _number_text(value: float, limit: float | None) -> str:
    text = f"{value:.6g}"
    # Never print a failing value so that it reads like the limit itself.
    if limit is not None and value != limit and text == f"{limit:.6g}":
        text = repr(value)
    return text


def _with_unit(number: str, unit: str, quantity: str) -> str:
    label = {
        "prescribed-eqd2": " EQD2",
        "cumulative-eqd2": " EQD2",
        "course-eqd2": " EQD2",
        "prescribed-bed": " BED",
        "cumulative-bed": " BED",
        "course-bed": " BED",
        "dose-per-fraction": "/fx",
    }.get(quantity, "")
    if unit in ("", "1"):
        return number
    if quantity == "dose-per-fraction":
        return f"{number} Gy/fx"
    return f"{number} {unit}{label}"


@dataclass(frozen=True)
class OrganReport:
    """One plan organ in a report: how its name was matched and which rules read it.

    Attributes
    ----------
    name : str
        The name in the plan.
    canonical : str
        radcalc's canonical organ name (the name itself when not recognised).
    matched_by : str
        ``"TG-263"``, ``"TG-263 reverse order"``, ``"canonical name"``,
        ``"variant"`` or ``"name only"`` (see :class:`radcalc.organs.OrganName`).
    match : str
        E.g. ``"SpinalCord → spinal cord (TG-263)"``.
    read_by : tuple of str
        ``"set:rule"`` of every rule that evaluated it (not N/A); empty when none.
    unread_reason : str or None
        Why no rule reads it (None when one does).
    doses : tuple of str
        For a plan whose courses name files: where each course's dose came
        from (metric, ROI and files, or "typed in"); empty otherwise.
    """

    name: str
    canonical: str
    matched_by: str
    match: str
    read_by: tuple[str, ...]
    unread_reason: str | None = None
    doses: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckReport:
    """All rows of a plan check, with ``.ok`` and text, dict and HTML views.

    Examples
    --------
    >>> report = check_plan({
    ...     "constraint_sets": ["li2024-npc-postop"],
    ...     "course": [{"schedule": "70/35", "interval_to_next": "4m"},
    ...                {"schedule": "60/27", "intent": "postoperative"}],
    ... })
    >>> report.ok
    False
    >>> [(row.rule_id, row.status) for row in report.rows if row.status == "FAIL"]
    [('dose-per-fraction', 'FAIL'), ('latency', 'FAIL')]
    """

    rows: tuple[CheckRow, ...]
    plan: Plan
    sets: tuple[ConstraintSet, ...]

    @property
    def ok(self) -> bool:
        """True when no row FAILs (WARN, INFO and N/A rows are allowed)."""
        return not any(row.status == "FAIL" for row in self.rows)

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        """The rows that FAIL."""
        return tuple(row for row in self.rows if row.status == "FAIL")

    def counts(self) -> dict[str, int]:
        """Number of rows per status, every status listed.

        Examples
        --------
        >>> check_plan({"constraint_sets": ["li2024-npc-postop"],
        ...             "course": [{"schedule": "30/5", "intent": "postoperative"}]}).counts()
        {'FAIL': 2, 'WARN': 0, 'PASS': 1, 'INFO': 4, 'N/A': 6}
        """
        return {status: sum(row.status == status for row in self.rows) for status in STATUSES}

    @property
    def organs(self) -> tuple[OrganReport, ...]:
        """Each plan organ: how its name was matched and which rules read it.

        Examples
        --------
        >>> report = check_plan({"constraint_sets": ["nieder2006-cord"],
        ...     "course": [{"schedule": "60/30", "interval_to_next": "24m"},
        ...                {"schedule": "20/10"}],
        ...     "organ": [{"name": "Cord_PRV", "max_dose": [50.0, 10.0]}]})
        >>> organ = report.organs[0]
        >>> print(organ.match)
        Cord_PRV → spinal cord PRV (variant 'cord', TG-263 _PRV)
        >>> organ.read_by, report.complete
        ((), False)
        """
        organs = []
        for organ in self.plan.organs:
            name = match_organ(organ.name)
            read_by = tuple(
                dict.fromkeys(
                    f"{row.set_name}:{row.rule_id}"
                    for row in self.rows
                    if row.applies_to == organ.name and row.status != "N/A"
                )
            )
            organs.append(
                OrganReport(
                    name=organ.name,
                    canonical=name.canonical,
                    matched_by=name.matched_by,
                    match=name.describe(),
                    read_by=read_by,
                    unread_reason=None if read_by else _unread_reason(organ, self),
                    doses=organ.dose_sources,
                )
            )
        return tuple(organs)

    @property
    def not_evaluated(self) -> tuple[CheckRow, ...]:
        """The N/A rows that could not be evaluated (an input is missing)."""
        return tuple(row for row in self.rows if not row.evaluated)

    @property
    def complete(self) -> bool:
        """True when every row was evaluated and every plan organ is read by a rule."""
        return not self.not_evaluated and all(organ.read_by for organ in self.organs)

    def exit_status(self, *, strict: bool = False) -> int:
        """The exit status of ``radcalc check``: 0, :data:`EXIT_FAIL` or :data:`EXIT_NOT_EVALUABLE`.

        A FAIL outranks "not evaluable"; without ``strict`` an incomplete
        check exits 0 (the gaps are listed in the report).
        """
        if not self.ok:
            return EXIT_FAIL
        if strict and not self.complete:
            return EXIT_NOT_EVALUABLE
        return EXIT_OK

    def to_dict(self, *, strict: bool = False) -> dict[str, Any]:
        """A JSON-ready dict: ``ok``, ``complete``, ``exit_status``, ``strict``, ``counts``,
        ``plan``, ``sets``, ``organs``, ``not_evaluated`` and ``rows``.

        ``exit_status`` is that of ``radcalc check`` (with ``--strict`` when
        ``strict``); ``organs`` lists each plan organ with how it was matched
        and the rules that read it (``read_by``, empty when none);
        ``not_evaluated`` lists the rows that could not be evaluated.
        """
        return {
            "ok": self.ok,
            "complete": self.complete,
            "exit_status": self.exit_status(strict=strict),
            "strict": strict,
            "counts": self.counts(),
            "plan": self.plan.origin,
            "title": self.plan.title,
            "sets": [
                {
                    "name": s.name,
                    "source": s.source.citation(),
                    "source_status": s.source.status,
                    "origin": s.origin,
                }
                for s in self.sets
            ],
            "organs": [
                dataclasses.asdict(organ)
                | {"read_by": list(organ.read_by), "doses": list(organ.doses)}
                for organ in self.organs
            ],
            "not_evaluated": [
                {
                    "rule": r.rule_id,
                    "set": r.set_name,
                    "applies_to": r.applies_to,
                    "detail": r.detail,
                }
                for r in self.not_evaluated
            ],
            "rows": [row.to_dict() for row in self.rows],
        }

    def summary(self, *, strict: bool = False) -> str:
        """One line: the counts and the verdict."""
        counts = self.counts()
        parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES)
        verdict = "OK: nothing FAILs" if self.ok else "NOT OK: at least one rule FAILs"
        if self.ok and not self.complete:
            gaps = len(self.not_evaluated) + sum(not o.read_by for o in self.organs)
            verdict = (
                f"NOT COMPLETE: nothing FAILs, but {gaps} item(s) could not be evaluated "
                "(listed above)"
                if strict
                else f"OK: nothing FAILs; {gaps} item(s) could not be evaluated (listed above)"
            )
        return f"{parts}. {verdict}."

    def text(self, width: int = 80, *, strict: bool = False) -> str:
        """The report as text, every line at most ``width`` characters (long words aside).

        One block per row: the status, the rule and the organ; the value, the
        limit and the α/β; the source; the detail. Then the plan organs with
        how each was matched and which rules read it, the rows that could not
        be evaluated, and the verdict.
        """
        width = max(width, 40)
        indent = " " * 8

        def wrap(text: str, first: str = indent, rest: str = indent) -> list[str]:
            return textwrap.wrap(
                text,
                width=width,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=True,
                break_on_hyphens=False,
            ) or [first.rstrip()]

        title = f"Plan: {self.plan.origin}" + (f" ({self.plan.title})" if self.plan.title else "")
        lines = wrap(title, "", "    ")
        lines += wrap(f"Constraint sets: {', '.join(s.name for s in self.sets)}", "", "    ")
        for row in self.rows:
            lines.append("")
            head = f"{row.set_name}:{row.rule_id}  [{row.applies_to}]"
            lines += wrap(head, f"{row.status:<6}  ", indent)
            numbers = []
            if row.value_text():
                numbers.append(f"value {row.value_text()}")
            if row.limit_text():
                numbers.append(f"limit {row.limit_text()}")
            if row.alpha_beta_text():
                numbers.append(f"α/β {row.alpha_beta_text()}")
            if numbers:
                lines += wrap(", ".join(numbers))
            lines += wrap(f"source: {row.source} [{row.source_status}]")
            lines += wrap(row.detail)
        lines.append("")
        lines += wrap(
            "Organs of the plan (how each name was matched; the rules that read it):", "", ""
        )
        if not self.organs:
            lines += wrap("none: the plan has no [[organ]]", "  ", "    ")
        for line in self._organ_lines():
            lines += wrap(line, "  ", "    ")
        if self.not_evaluated:
            lines.append("")
            lines += wrap(
                "Not evaluated (an input is missing; --strict makes this exit 4):", "", ""
            )
            for row in self.not_evaluated:
                lines += wrap(
                    f"{row.set_name}:{row.rule_id} [{row.applies_to}]: {row.detail}", "  ", "    "
                )
        lines.append("")
        if any(r.alpha_beta_assumed for r in self.rows):
            lines += wrap(ALPHA_BETA_FOOTNOTE, "", "")
        lines += wrap(self.summary(strict=strict), "", "")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text(80)

    def _repr_html_(self) -> str:
        return html_table(
            f"{self.plan.origin}: {self.summary()}",
            (*_HEADERS, "DETAIL"),
            [(*row.cells(), row.detail) for row in self.rows],
            [f"background:{_STATUS_COLOURS[row.status]}" for row in self.rows],
            align=align_by_header((*_HEADERS, "DETAIL"), right=("VALUE", "LIMIT", "α/β")),
            footnotes=[
                *([ALPHA_BETA_FOOTNOTE] if any(r.alpha_beta_assumed for r in self.rows) else []),
                *self._organ_lines(),
            ],
        )

    def _organ_lines(self) -> list[str]:
        """One line per plan organ: how it was matched and the rules that read it."""
        return [
            f"{organ.match}: "
            + (", ".join(organ.read_by) or f"read by no rule ({organ.unread_reason})")
            + (
                "; dose per course: "
                + "; ".join(f"#{i + 1} {text}" for i, text in enumerate(organ.doses))
                if organ.doses
                else ""
            )
            for organ in self.organs
        ]


def _unread_reason(organ: PlanOrgan, report: CheckReport) -> str:
    """Why no rule of the report reads a plan organ, in words."""
    name = match_organ(organ.name)
    if any(row.applies_to == organ.name for row in report.rows):
        return "every rule for it is not applicable to this plan"
    if name.prv:
        return "a PRV is read only by a rule with applies_to_prv = true"
    if not name.is_whole_organ:
        return "not the whole organ, so no rule for the organ reads it"
    if name.organ is None:
        return "not in radcalc's organ table, and no rule of the checked sets has this name"
    return f"no rule of the checked sets is for the {name.canonical}"


# --- the check ----------------------------------------------------------------


def check_plan(
    plan_or_path: Plan | Mapping[str, Any] | str | os.PathLike[str],
    *,
    extra_sets: Iterable[str | os.PathLike[str] | ConstraintSet] = (),
    constraint_sets: Sequence[str | os.PathLike[str] | ConstraintSet] | None = None,
    alpha_beta_ranges: Mapping[str, AlphaBetaRange] | None = None,
) -> CheckReport:
    """Check a plan against its constraint sets and return a report.

    Parameters
    ----------
    plan_or_path : Plan, mapping, str or path-like
        A :class:`~radcalc.plan.Plan`, a mapping with the plan-file keys, or
        the path of a plan file (TOML).
    extra_sets : iterable, optional
        More constraint sets (shipped names, constraint file paths or
        :class:`~radcalc.constraints.ConstraintSet` objects), checked after
        the plan's own.
    constraint_sets : sequence, optional
        Replaces the plan's ``constraint_sets`` when given.
    alpha_beta_ranges : mapping of str to AlphaBetaRange, optional
        An α/β range per plan organ (its name as in the plan), and under
        ``"target"`` for the target rules. A range applies exactly where the
        organ's ``alpha_beta`` (the plan's ``target_alpha_beta``) would:
        only to rules whose α/β is radcalc's assumption; a rule whose source
        states its α/β keeps it (its limit is expressed at that α/β) and
        says so. Each such row is then judged over the range
        (:mod:`radcalc.uncertainty`): **robust** PASS, WARN or FAIL when its
        status is the same at every α/β, else **WARN "depends on α/β"**
        with the α/β at which it flips. Its ``value`` is the least
        favourable one, at the α/β in ``alpha_beta``. A value that is not a
        finite number at any α/β is a FAIL there, so never a robust PASS.

    Returns
    -------
    CheckReport
        ``.rows`` (one per rule, per organ for organ rules, in set and file
        order), ``.ok`` (no FAIL), ``.to_dict()``, a readable ``str()`` and an
        HTML table in Jupyter.

    Raises
    ------
    PlanFileError
        For an invalid plan or a constraint set of the plan that cannot be
        loaded (the message names the plan file and key).
    ConstraintSetError
        For an extra set that cannot be loaded.
    InvalidInputError
        When there is no constraint set to check against, or a recovery model
        cannot be resolved for an organ.

    Examples
    --------
    The hyperfractionated schedule of the consensus passes the Li 2024 dose
    window at radcalc's assumed α/β of 10 Gy:

    >>> report = check_plan({
    ...     "constraint_sets": ["li2024-npc-postop"],
    ...     "course": [{"schedule": "70/35", "interval_to_next": "24m"},
    ...                {"schedule": "65/54 bid", "intent": "postoperative"}],
    ... })
    >>> row = report.rows[0]
    >>> row.rule_id, row.status, round(row.value, 2), row.alpha_beta
    ('eqd2-min', 'PASS', 60.69, 10.0)
    >>> report.ok
    True
    """
    plan = _as_plan(plan_or_path)
    ranges = _checked_ranges(alpha_beta_ranges, plan)
    sets = _load_sets(plan, extra_sets, constraint_sets)
    metrics = sorted({rule.metric for cset in sets for rule in cset.rules if rule.metric})
    plan = resolve_doses(plan, metrics=metrics)
    rows: list[CheckRow] = []
    for cset in sets:
        for rule in cset.rules:
            rows.extend(
                _over_range(rule, cset, plan, row, ranges) for row in _evaluate(rule, cset, plan)
            )
    return CheckReport(rows=tuple(rows), plan=plan, sets=tuple(sets))


def _as_plan(plan_or_path: Plan | Mapping[str, Any] | str | os.PathLike[str]) -> Plan:
    if isinstance(plan_or_path, Plan):
        return plan_or_path
    if isinstance(plan_or_path, Mapping):
        return parse_plan(plan_or_path)
    if isinstance(plan_or_path, (str, os.PathLike)):
        return load_plan(plan_or_path)
    raise InvalidInputError(
        f"plan must be a Plan, a mapping or the path of a plan file, got {plan_or_path!r}"
    )


def _load_sets(
    plan: Plan,
    extra_sets: Iterable[str | os.PathLike[str] | ConstraintSet],
    replacement: Sequence[str | os.PathLike[str] | ConstraintSet] | None,
) -> list[ConstraintSet]:
    sets: list[ConstraintSet] = []
    if replacement is None:
        for spec in plan.constraint_sets:
            try:
                sets.append(load_constraint_set(spec, relative_to=plan.folder))
            except ConstraintSetError as exc:
                raise PlanFileError(f"{plan.origin}: key 'constraint_sets': {exc}") from None
    else:
        sets.extend(load_constraint_set(spec) for spec in replacement)
    sets.extend(load_constraint_set(spec) for spec in extra_sets)
    unique: list[ConstraintSet] = []
    for cset in sets:
        same = [s for s in unique if s.name == cset.name]
        if same and dataclasses.replace(cset, origin=same[0].origin) == same[0]:
            continue  # the same set listed twice (perhaps by another path): check it once
        if same:
            raise ConstraintSetError(
                f"two constraint sets are named {cset.name!r} ({same[0].origin} and "
                f"{cset.origin}); give one of them another name"
            )
        unique.append(cset)
    if not unique:
        raise InvalidInputError(
            f"{plan.origin}: no constraint set to check against; list them in the plan's "
            'constraint_sets (e.g. ["li2024-npc-postop"]) or pass --set FILE'
        )
    return unique


def _source_text(rule: ConstraintRule, cset: ConstraintSet) -> str:
    return f"{cset.source.short}, {rule.table_page or cset.source.table_page}"


def _row(
    rule: ConstraintRule,
    cset: ConstraintSet,
    applies_to: str,
    status: Status,
    detail: str,
    *,
    value: float | None = None,
    ab: _AlphaBeta | None = None,
    recovery: str | None = None,
    metric: str | None = None,
) -> CheckRow:
    return CheckRow(
        set_name=cset.name,
        rule_id=rule.id,
        applies_to=applies_to,
        status=status,
        value=value,
        limit=rule.limit,
        warn_limit=rule.warn_limit,
        comparator=rule.comparator,
        unit=rule.unit or "",
        quantity=rule.quantity,
        alpha_beta=ab.value if ab else None,
        alpha_beta_basis=ab.basis if ab else None,
        alpha_beta_assumed=ab.assumed if ab else False,
        severity=rule.severity,
        kind=rule.kind,
        consensus=rule.consensus,
        source=_source_text(rule, cset),
        source_status=rule.status,
        recovery=recovery,
        detail=detail,
        quote=rule.quote,
        metric=metric,
    )


def _evaluate(rule: ConstraintRule, cset: ConstraintSet, plan: Plan) -> list[CheckRow]:
    outside = _outside_scope(rule, plan)
    if rule.is_target_rule:
        if outside is not None:
            return [_row(rule, cset, "target", "N/A", outside)]
        return [_evaluate_target(rule, cset, plan)]
    rows: list[CheckRow] = []
    organs = []
    for organ in plan.organs:
        excluded = rule.scope.excludes(organ.name) if rule.scope is not None else None
        if excluded is not None and rule.applies_to == ("*",) and rule.scope is not None:
            rows.append(
                _row(
                    rule,
                    cset,
                    organ.name,
                    "N/A",
                    f"not applicable: outside the rule's scope: not for the {excluded} "
                    f"({_scope_basis(rule)})",
                )
            )
        elif rule.applies_to_organ(organ.name):
            organs.append(organ)
    if not organs and not rows:
        if rule.applies_to == ("*",):
            wanted, reason = "any organ", "the plan has no [[organ]]"
        else:
            wanted = " / ".join(rule.applies_to)
            names = " or ".join(repr(n) for n in rule.applies_to)
            prv = " or its PRV" if rule.applies_to_prv else ""
            reason = f"the plan has no [[organ]] named {names}{prv}"
            if plan.organs:
                reason += (
                    " (its organs: "
                    + "; ".join(match_organ(o.name).describe() for o in plan.organs)
                    + ")"
                )
        if outside is not None:
            return [_row(rule, cset, wanted, "N/A", outside)]
        return [_row(rule, cset, wanted, "N/A", f"not evaluated: {reason}")]
    if outside is not None:
        return rows + [_row(rule, cset, organ.name, "N/A", outside) for organ in organs]
    return rows + [_evaluate_organ(rule, cset, plan, organ) for organ in organs]


def _scope_basis(rule: ConstraintRule) -> str:
    scope = rule.scope
    if scope is None:  # pragma: no cover - callers check
        return ""
    return f"{'radcalc' + chr(39) + 's reading' if scope.assumed else 'the source'}: {scope.note}"


def _outside_scope(rule: ConstraintRule, plan: Plan) -> str | None:
    """Why the newest course is outside the rule's scope, or None."""
    if rule.scope is None:
        return None
    schedule = plan.newest.schedule
    why = rule.scope.why_not(
        fractions=schedule.fractions, dose_per_fraction=schedule.dose_per_fraction
    )
    if why is None:
        return None
    return f"not applicable: outside the rule's scope: {why} ({_scope_basis(rule)})"


# --- target rules ---------------------------------------------------------------


def _not_applicable(rule: ConstraintRule, course: PlanCourse) -> str | None:
    """Why a target rule does not apply to the newest course, or None when it does."""
    when = rule.when
    if when.intent is not None and course.intent != when.intent:
        given = repr(course.intent) if course.intent is not None else "not given"
        return (
            f"not applicable: applies when the newest course's intent is {when.intent!r}; "
            f"it is {given}"
        )
    if not when.about_margin or when.margin is None:
        return None
    if course.margin is None:
        return "not evaluated: the newest course gives no margin or margin_mm"
    given = margin_text(course.margin)
    if course.margin_mm is not None:
        given = f"{course.margin_mm:g} mm, {given}"
    if course.margin not in when.margin:
        wanted = " or ".join(margin_text(m) for m in when.margin)
        return f"not applicable: applies to margin {wanted}; the newest course's margin is {given}"
    return None


@dataclass(frozen=True)
class _AlphaBeta:
    """The α/β a row is evaluated at [Gy], where it came from, and whether it is assumed."""

    value: float
    basis: str
    assumed: bool


def _alpha_beta(
    rule: ConstraintRule, override: float | None, override_name: str
) -> _AlphaBeta | None:
    """The rule's α/β, or the plan's ``override`` when the rule's is radcalc's assumption."""
    if rule.alpha_beta is None:
        return None
    if rule.alpha_beta_assumed:
        if override is not None:
            basis = f"{override_name} (replaces radcalc's assumption of {rule.alpha_beta:g} Gy)"
            return _AlphaBeta(override, basis, assumed=False)
        return _AlphaBeta(
            rule.alpha_beta, rule.alpha_beta_note or "radcalc's assumption", assumed=True
        )
    basis = "stated by the source"
    if override is not None and override != rule.alpha_beta:
        basis += (
            f"; the {override_name} {override:g} Gy is not used because the source's limit "
            "is expressed at this α/β"
        )
    return _AlphaBeta(rule.alpha_beta, basis, assumed=False)


def _evaluate_target(rule: ConstraintRule, cset: ConstraintSet, plan: Plan) -> CheckRow:
    newest = plan.newest
    reason = _not_applicable(rule, newest)
    if reason is not None:
        return _row(rule, cset, "target", "N/A", reason)
    if rule.quantity == "advice":
        status = _SEVERITY_STATUS[rule.severity]
        return _row(rule, cset, "target", status, f"applies: {rule.quote}")
    ab = _alpha_beta(rule, plan.target_alpha_beta, "plan's target_alpha_beta")
    alpha_beta = ab.value if ab else None
    schedule = newest.schedule
    value: float | None
    what = f"newest course {schedule.describe()}"
    if rule.quantity == "prescribed-eqd2":
        value = float(lq.eqd2(schedule.dose, schedule.fractions, alpha_beta=alpha_beta))
    elif rule.quantity == "prescribed-bed":
        value = float(lq.bed(schedule.dose, schedule.fractions, alpha_beta=alpha_beta))
    elif rule.quantity == "prescribed-dose":
        value = schedule.dose
    elif rule.quantity == "dose-per-fraction":
        value = schedule.dose_per_fraction
    elif rule.quantity == "fractions-per-day":
        value = float(schedule.fractions_per_day)
    elif rule.quantity == "interval-since-previous":
        value = plan.interval_since_previous
        what = "end of the previous course to the start of the newest"
    else:  # pragma: no cover - the schema allows no other target quantity
        raise ConstraintSetError(f"quantity {rule.quantity!r} is not a target quantity")
    if value is None:
        return _row(
            rule,
            cset,
            "target",
            "N/A",
            "not evaluated: the plan has one course, so no interval since a previous one",
        )
    return _judged(rule, cset, "target", value, what, ab=ab)


# --- organ rules -----------------------------------------------------------------


def _recovery_model(plan: Plan, organ: PlanOrgan) -> tuple[RecoveryModel, str]:
    """The organ's recovery model (its own, else the plan's; from a recovery file, the
    table of this organ) and the text a row shows for it."""
    spec, any_organ = plan.organ_recovery(organ)
    model = resolve_recovery(spec, organ=organ.name, any_organ=any_organ)
    text = f"{model.name}: {model.source}"
    scope = recovery_scope_note(model, organ.name)
    return model, text + (f" ({scope})" if scope else "")


def _course_options(plan: Plan) -> tuple[list[int], list[float | None]]:
    """Each course's fractions per day and hours between same-day fractions."""
    return (
        [course.schedule.fractions_per_day for course in plan.courses],
        [course.schedule.interval_hours for course in plan.courses],
    )


def _repair_notes(plan: Plan, organ: PlanOrgan, indices: Sequence[int]) -> list[str]:
    """How same-day repair was treated in the courses ``indices`` (none for once-daily)."""
    notes = []
    for i in indices:
        schedule = plan.courses[i].schedule
        if schedule.fractions_per_day < 2:
            continue
        if organ.repair_half_time_hours is None:
            notes.append(
                f"course #{i + 1} ({schedule.describe()}): full repair assumed between "
                "same-day fractions (no repair_half_time_h for this organ)"
            )
        else:
            notes.append(
                f"course #{i + 1} ({schedule.describe()}): incomplete repair (Thames 1985), "
                f"repair half-time {organ.repair_half_time_hours:g} h"
            )
    return notes


def _course_value(
    quantity: str, plan: Plan, organ: PlanOrgan, index: int, alpha_beta: float
) -> float:
    """EQD2 or BED of the organ's dose in one course, with the organ's repair half-time."""
    schedule = plan.courses[index].schedule
    options: dict[str, Any] = {}
    if schedule.fractions_per_day > 1 and organ.repair_half_time_hours is not None:
        options = {
            "fractions_per_day": schedule.fractions_per_day,
            "interval_hours": schedule.interval_hours,
            "repair_half_time_hours": organ.repair_half_time_hours,
        }
    function = lq.eqd2 if quantity == "course-eqd2" else lq.bed
    try:
        return float(
            function(organ.max_dose[index], schedule.fractions, alpha_beta=alpha_beta, **options)
        )
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"{plan.origin}: organ {organ.name!r}, course #{index + 1}: {exc}"
        ) from None


def _cumulative(
    quantity: str,
    plan: Plan,
    organ: PlanOrgan,
    alpha_beta: float,
    model: RecoveryModel,
) -> float:
    """The one place radcalc.check calls the re-irradiation API (issue 3)."""
    function = cumulative_bed if quantity == "cumulative-bed" else cumulative_eqd2
    per_day, hours = _course_options(plan)
    try:
        return float(
            function(
                list(organ.max_dose),
                [course.schedule.fractions for course in plan.courses],
                list(plan.intervals_months),
                alpha_beta=alpha_beta,
                recovery=model,
                fractions_per_day=per_day,
                interval_hours=hours,
                repair_half_time_hours=organ.repair_half_time_hours,
            )
        )
    except InvalidInputError as exc:
        raise InvalidInputError(f"{plan.origin}: organ {organ.name!r}: {exc}") from None


def _sum_notes(plan: Plan, n: int) -> list[str]:
    """Say how courses with files were combined (never a voxel sum here)."""
    if n < 2 or not plan.has_files:
        return []
    return [
        "per-structure sum of each course's metric (no voxel registration; for Dmax an "
        "upper bound of the voxel sum)"
    ]


def _evaluate_organ(
    rule: ConstraintRule, cset: ConstraintSet, plan: Plan, organ: PlanOrgan
) -> CheckRow:
    ab = _alpha_beta(rule, organ.alpha_beta, "organ's alpha_beta")
    fractions = [course.schedule.fractions for course in plan.courses]
    n = len(plan.courses)
    name = organ.name
    if rule.quantity == "interval-since-previous":
        value = plan.interval_since_previous
        if value is None:
            return _row(
                rule, cset, name, "N/A", "not evaluated: the plan has one course, no interval"
            )
        return _judged(
            rule, cset, name, value, "end of the previous course to the start of the newest"
        )
    if ab is None:  # pragma: no cover - the schema requires alpha_beta here
        raise ConstraintSetError(f"rule {rule.id!r}: {rule.quantity} needs alpha_beta")
    alpha_beta = ab.value
    if rule.metric is not None or not organ.resolved:
        doses = organ.doses_for(rule.metric)
        missing = [i for i, d in enumerate(doses) if d is None] if doses is not None else range(n)
        if missing:
            given = organ.metric_text
            courses = ", ".join(f"#{i + 1}" for i in missing)
            return _row(
                rule,
                cset,
                name,
                "N/A",
                f"not evaluated: the rule is stated on {rule.metric or given}, but for "
                f"course(s) {courses} the plan gives only the organ's {given} (typed in); "
                f"name the course's rtdose/rtstruct (or a DVH export) to compute "
                f"{rule.metric or given}",
                ab=ab,
                metric=rule.metric,
            )
        if doses is not None and rule.metric is not None and rule.metric != organ.metric_text:
            organ = dataclasses.replace(organ, max_dose=doses, metric=rule.metric)
    metric = organ.metric_text
    if rule.quantity in ("course-eqd2", "course-bed"):
        values = [_course_value(rule.quantity, plan, organ, i, alpha_beta) for i in range(n)]
        if rule.course == "newest":
            index = n - 1
            what = f"newest course (#{n}), {metric} {organ.max_dose[-1]:g} Gy in {fractions[-1]} fx"
        else:
            lower_limit = rule.comparator in (">=", ">")
            index = (
                min(range(n), key=values.__getitem__)
                if lower_limit
                else max(range(n), key=values.__getitem__)
            )
            what = (
                f"worst of {n} course(s): course #{index + 1}, {metric} "
                f"{organ.max_dose[index]:g} Gy in {fractions[index]} fx"
            )
        what = "; ".join([what, *_repair_notes(plan, organ, [index])])
        return _judged(rule, cset, name, values[index], what, ab=ab, metric=metric)
    model, recovery = _recovery_model(plan, organ)
    if rule.quantity in ("cumulative-eqd2", "cumulative-bed"):
        value = _cumulative(rule.quantity, plan, organ, alpha_beta, model)
        what = "; ".join(
            [
                f"{metric} {' + '.join(f'{d:g}' for d in organ.max_dose)} Gy over {n} course(s)",
                *_sum_notes(plan, n),
                *_repair_notes(plan, organ, range(n)),
            ]
        )
        return _judged(rule, cset, name, value, what, ab=ab, recovery=recovery, metric=metric)
    if rule.quantity == "newest-to-cumulative-eqd2":
        if n < 2:
            return _row(
                rule,
                cset,
                name,
                "N/A",
                "not evaluated: the plan has one course, no earlier course to compare with",
            )
        cumulative = _cumulative("cumulative-eqd2", plan, organ, alpha_beta, model)
        newest = _course_value("course-eqd2", plan, organ, n - 1, alpha_beta)
        if cumulative == 0:
            return _row(
                rule,
                cset,
                name,
                "N/A",
                "not evaluated: the cumulative EQD2 is 0 Gy, the ratio is undefined",
                ab=ab,
                recovery=recovery,
            )
        what = "; ".join(
            [
                f"newest course EQD2 {newest:.4g} Gy / cumulative EQD2 {cumulative:.4g} Gy",
                *_repair_notes(plan, organ, range(n)),
            ]
        )
        return _judged(
            rule,
            cset,
            name,
            newest / cumulative,
            what,
            ab=ab,
            recovery=recovery,
            metric=metric,
        )
    raise ConstraintSetError(  # pragma: no cover - the schema allows no other organ quantity
        f"quantity {rule.quantity!r} is not an organ quantity"
    )


# --- judging -----------------------------------------------------------------------


def _judged(
    rule: ConstraintRule,
    cset: ConstraintSet,
    applies_to: str,
    value: float,
    what: str,
    *,
    ab: _AlphaBeta | None = None,
    recovery: str | None = None,
    metric: str | None = None,
) -> CheckRow:
    """The status of a computed value against the rule's limit (exact float comparison)."""
    if rule.comparator is None or rule.limit is None:  # pragma: no cover - schema
        raise ConstraintSetError(f"rule {rule.id!r} has no comparator or limit")
    notes = [what]
    if ab is not None:
        notes.append(f"α/β {ab.value:g} Gy ({ab.basis})")
    if recovery is not None:
        notes.append(f"recovery: {recovery}")
    status: Status
    if not math.isfinite(value):
        status, verdict = "FAIL", f"value {value} is not a finite number and cannot be judged"
    else:
        met = compare(value, rule.comparator, rule.limit)
        limit = rule.describe_limit()
        if rule.severity == "info":
            status = "INFO"
            verdict = (
                f"{'meets' if met else 'does not meet'} {limit} ({rule.kind}; information only)"
            )
        elif not met:
            status = _SEVERITY_STATUS[rule.severity]
            verdict = f"not {limit}"
        elif rule.warn_limit is not None and not compare(value, rule.comparator, rule.warn_limit):
            status = "WARN"
            verdict = (
                f"meets {rule.comparator} {rule.limit:g} but not "
                f"{rule.comparator} {rule.warn_limit:g} (warning band)"
            )
        else:
            status, verdict = "PASS", f"meets {limit}"
    if rule.note:
        notes.append(rule.note)
    detail = f"{verdict}; " + "; ".join(notes)
    return _row(
        rule,
        cset,
        applies_to,
        status,
        detail,
        value=value,
        ab=ab,
        recovery=recovery,
        metric=metric,
    )


# --- α/β ranges ------------------------------------------------------------------------


def _checked_ranges(
    ranges: Mapping[str, AlphaBetaRange] | None, plan: Plan
) -> dict[str, AlphaBetaRange]:
    """The ranges by plan organ name (or ``"target"``), every key and value checked."""
    if ranges is None:
        return {}
    if not isinstance(ranges, Mapping):
        raise InvalidInputError(
            f"alpha_beta_ranges must be a mapping of organ name to AlphaBetaRange, got {ranges!r}"
        )
    names = [organ.name for organ in plan.organs]
    checked = {}
    for key, value in ranges.items():
        if key != "target" and key not in names:
            known = ", ".join(repr(n) for n in ["target", *names])
            raise InvalidInputError(
                f"alpha_beta_ranges: {key!r} is not an organ of the plan {plan.origin} "
                f"(give one of {known})"
            )
        if not isinstance(value, AlphaBetaRange):
            raise InvalidInputError(
                f"alpha_beta_ranges[{key!r}] must be an AlphaBetaRange (e.g. "
                f"AlphaBetaRange(2, 4)), got {value!r}"
            )
        checked[key] = value
    return checked


def _over_range(
    rule: ConstraintRule,
    cset: ConstraintSet,
    plan: Plan,
    row: CheckRow,
    ranges: Mapping[str, AlphaBetaRange],
) -> CheckRow:
    """The row judged over the α/β range of its organ (or the target), if one is given."""
    key = "target" if rule.is_target_rule else row.applies_to
    ab_range = ranges.get(key)
    if ab_range is None or row.alpha_beta is None or row.value is None:
        return row
    if not rule.alpha_beta_assumed:
        return dataclasses.replace(
            row,
            detail=f"{row.detail}; α/β range {ab_range.describe()} given for {key} not used: "
            f"the source's limit is expressed at α/β {row.alpha_beta:g} Gy",
        )
    if rule.is_target_rule:

        def at(alpha_beta: float) -> CheckRow:
            return _evaluate_target(
                rule, cset, dataclasses.replace(plan, target_alpha_beta=alpha_beta)
            )

        name = "target α/β range"
    else:
        organ = next(o for o in plan.organs if o.name == row.applies_to)

        def at(alpha_beta: float) -> CheckRow:
            return _evaluate_organ(
                rule, cset, plan, dataclasses.replace(organ, alpha_beta=alpha_beta)
            )

        name = "organ's α/β range"
    statuses = {at(float(x)).status for x in ab_range.grid()}

    def has_status(status: Status) -> Callable[[float], bool]:
        return lambda alpha_beta: at(alpha_beta).status == status

    found = sorted(
        {flip for status in statuses for flip in alpha_beta_flips(has_status(status), ab_range)}
    )
    flips: list[float] = []
    for flip in found:  # one change seen by two statuses' searches: once
        if not flips or flip / flips[-1] - 1 > 1e-5:
            flips.append(flip)
    try:
        values = alpha_beta_bounds(lambda x: at(float(x)).value, ab_range, elementwise=False)
    except InvalidInputError:  # a value that is not finite somewhere: FAIL there
        values = None
    lower_limit = rule.comparator in (">=", ">")
    if values is None:
        worst_ab = ab_range.low
        value_range = None
    else:
        worst_ab = values.alpha_beta_low if lower_limit else values.alpha_beta_high
        value_range = (float(values.low), float(values.high))
    worst = at(float(worst_ab))
    basis = (
        f"{name} {ab_range.describe()} (replaces radcalc's assumption of {rule.alpha_beta:g} Gy)"
    )
    if len(statuses) == 1 and not flips:
        status = worst.status
        verdict = f"robust {status} over α/β {ab_range.describe()}"
    else:
        status = "WARN"
        edges = [ab_range.low, *flips, ab_range.high]
        parts = [
            f"{at(math.sqrt(a * b)).status} for α/β {a:.4g} to {b:.4g} Gy"
            for a, b in itertools.pairwise(edges)
        ]
        verdict = (
            "depends on α/β: "
            + ", ".join(parts)
            + f" (flips at α/β {', '.join(f'{f:.4g}' for f in flips)} Gy)"
        )
    inner = worst.detail.replace(f" ({worst.alpha_beta_basis})", "")
    worst_text = f"least favourable value at α/β {worst_ab:.4g} Gy: {inner}"
    return dataclasses.replace(
        worst,
        status=status,
        detail=f"{verdict}; {worst_text}",
        alpha_beta_basis=basis,
        alpha_beta_assumed=False,
        alpha_beta_range=(ab_range.low, ab_range.high),
        value_range=value_range,
        alpha_beta_flips=tuple(flips),
    )
