r"""Organ names: the AAPM TG-263 standard names, common variants and how a name is read.

A plan names its organs as the planning system does (``SpinalCord``,
``Cord_PRV``, ``BrainStem``, ``OpticNrv_L``); a constraint rule names them in
words (``"spinal cord"``). :func:`match_organ` reads a name into a
:class:`OrganName`: the canonical organ of radcalc's table (``radcalc/data/organs.toml``),
how it was recognised, and the TG-263 modifiers that make a structure
something other than the organ itself.

The table
---------
Each organ has a canonical name (``"spinal cord"``), its TG-263 primary name
without laterality (``"SpinalCord"``; the TG-263 rows used are copied in
``radcalc/data/tg263-organs.csv``) and variants (``"cord"``). Names are
compared ignoring case, spaces, ``_`` and ``-``.

TG-263 modifiers (Mayo et al. 2018, the report's naming rules)
---------------------------------------------------------------
* laterality ``_L``/``_R`` last (``OpticNrv_L``); ``left``/``right`` and a
  leading ``L_``/``R_`` (the reverse-order names) are read too;
* ``_PRV`` with an optional expansion in mm (``SpinalCord_PRV05``,
  ``Cord_PRV``): a planning risk volume, **never** taken for the organ; a rule
  reads it only when it says so (``applies_to_prv = true``);
* ``~`` at the end of the root: a partial structure (``Brainstem~``);
* ``^`` starts a custom qualifier (``Parotid_L^Deep``);
* a leading ``z`` or ``_``: a structure not meant for evaluation.

A partial, qualified or not-for-evaluation structure, and a part of an organ
(``SpinalCord_Cerv``), is recognised and reported but no rule for the whole
organ reads it: its maximum dose can be lower than the organ's, and a limit
checked on it could pass a plan the source would not.

References
----------
.. [1] Mayo CS, Moran JM, Bosch W, et al. American Association of Physicists
   in Medicine Task Group 263: Standardizing Nomenclatures in Radiation
   Oncology. Int J Radiat Oncol Biol Phys 2018;100:1057-1066.
   doi:10.1016/j.ijrobp.2017.12.013 (worksheet of 2017-08-15).

Examples
--------
>>> print(match_organ("SpinalCord").describe())
SpinalCord → spinal cord (TG-263)
>>> print(match_organ("Cord_PRV").describe())
Cord_PRV → spinal cord PRV (variant 'cord', TG-263 _PRV)
>>> print(match_organ("OpticNrv_PRV03_L").describe())
OpticNrv_PRV03_L → optic nerve, left, PRV 3 mm (TG-263, TG-263 _PRV)
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Literal

from radcalc._toml import Table, parse_toml_text
from radcalc.errors import InvalidInputError

__all__ = ["Organ", "OrganName", "list_organs", "match_organ", "tg263_names"]

#: The value of the ``format`` key of ``radcalc/data/organs.toml``.
ORGANS_FORMAT = "radcalc-organs-1"

Laterality = Literal["L", "R"]
MatchedBy = Literal["TG-263", "TG-263 reverse order", "canonical name", "variant", "name only"]

_LATERALITY = {"l": "L", "left": "L", "lt": "L", "r": "R", "right": "R", "rt": "R"}
_PRV_RE = re.compile(r"^prv(\d{1,2}|x{1,2})?$", re.IGNORECASE)
_SPLIT_RE = re.compile(r"[\s_\-()]+")


def _compact(text: str) -> str:
    """Lower case, letters and digits only: ``'Spinal_Cord'`` -> ``'spinalcord'``."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass(frozen=True)
class Organ:
    """One organ of radcalc's table.

    Attributes
    ----------
    name : str
        The canonical name, e.g. ``"spinal cord"``.
    tg263 : str
        The TG-263 primary name without laterality, e.g. ``"SpinalCord"``.
    tg263_reverse : str or None
        The TG-263 reverse-order name (without laterality), when it differs.
    variants : tuple of str
        Other names of the organ (radcalc's list, no source).
    part_of : str or None
        The canonical organ this is a part of; rules for that organ do not read it.
    """

    name: str
    tg263: str
    tg263_reverse: str | None = None
    variants: tuple[str, ...] = ()
    part_of: str | None = None


@dataclass(frozen=True)
class OrganName:
    """How one name (of a plan organ or in a rule) was read.

    Attributes
    ----------
    text : str
        The name as written.
    organ : Organ or None
        The organ of radcalc's table, None when the name is not recognised.
    matched_by : str
        ``"TG-263"``, ``"TG-263 reverse order"``, ``"canonical name"``,
        ``"variant"``, or ``"name only"`` (not in the table: compared by name).
    laterality : "L", "R" or None
    prv : bool
        A planning risk volume (TG-263 ``_PRV``) of the organ.
    prv_mm : int or None
        The PRV expansion [mm] when the name gives it.
    partial : bool
        TG-263 ``~``: a part of the structure.
    qualifier : str or None
        TG-263 custom qualifier (after ``^``).
    not_for_evaluation : bool
        TG-263 leading ``z`` or ``_``.
    variant : str or None
        The variant that matched (for ``matched_by = "variant"``).
    """

    text: str
    organ: Organ | None
    matched_by: MatchedBy
    laterality: Laterality | None = None
    prv: bool = False
    prv_mm: int | None = None
    partial: bool = False
    qualifier: str | None = None
    not_for_evaluation: bool = False
    variant: str | None = None

    @property
    def canonical(self) -> str:
        """The canonical organ name, or the name as written when it is not recognised."""
        return self.organ.name if self.organ is not None else " ".join(_words(self.text))

    @property
    def is_whole_organ(self) -> bool:
        """True when the structure is the organ itself: no PRV, part, qualifier or z-prefix."""
        return not (
            self.prv
            or self.partial
            or self.qualifier is not None
            or self.not_for_evaluation
            or (self.organ is not None and self.organ.part_of is not None)
        )

    def label(self) -> str:
        """What the name was read as, e.g. ``'optic nerve, left, PRV 3 mm'``."""
        parts = [self.canonical]
        if self.laterality is not None:
            parts.append("left" if self.laterality == "L" else "right")
        text = ", ".join(parts)
        if self.prv:
            text += " PRV" if self.prv_mm is None else f", PRV {self.prv_mm} mm"
        if self.partial:
            text += ", partial (TG-263 ~)"
        if self.qualifier is not None:
            text += f", qualifier ^{self.qualifier}"
        if self.not_for_evaluation:
            text += ", not for evaluation (TG-263 z/_ prefix)"
        if self.organ is not None and self.organ.part_of is not None:
            text += f", a part of the {self.organ.part_of}"
        return text

    def describe(self) -> str:
        """E.g. ``'SpinalCord → spinal cord (TG-263)'``.

        Examples
        --------
        >>> print(match_organ("cord").describe())
        cord → spinal cord (variant 'cord')
        >>> print(match_organ("my point").describe())
        my point → not in radcalc's organ table (compared by name only)
        """
        if self.organ is None:
            how = "compared by name only"
            modifiers = []
            if self.prv:
                modifiers.append("PRV")
            if self.partial:
                modifiers.append("partial")
            if modifiers:
                how += "; " + ", ".join(modifiers)
            return f"{self.text} → not in radcalc's organ table ({how})"
        how = self.matched_by
        if self.matched_by == "variant":
            how = f"variant {self.variant!r}"
        if self.prv:
            how += ", TG-263 _PRV"
        return f"{self.text} → {self.label()} ({how})"

    def same_structure(self, other: OrganName) -> bool:
        """True when both names are the same organ, side and kind of structure."""
        if self.organ is None or other.organ is None:
            return (
                self.organ is None
                and other.organ is None
                and _compact(self.text) == _compact(other.text)
            )
        return (
            self.organ == other.organ
            and self.laterality == other.laterality
            and self.prv == other.prv
            and self.prv_mm == other.prv_mm
        )


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT_RE.split(text.strip().lower()) if w]


# --- the table -------------------------------------------------------------------


def _data_text(name: str) -> str:
    return resources.files("radcalc").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def tg263_names() -> MappingProxyType[str, tuple[str, str]]:
    """The TG-263 rows radcalc ships: primary name -> (reverse-order name, description).

    Copied from the AAPM TG-263 worksheet of 2017-08-15 into
    ``radcalc/data/tg263-organs.csv``.

    Examples
    --------
    >>> tg263_names()["SpinalCord"]
    ('SpinalCord', 'Spinal Cord')
    >>> tg263_names()["OpticNrv_L"][0]
    'L_OpticNrv'
    """
    lines = [line for line in _data_text("tg263-organs.csv").splitlines() if line[:1] != "#"]
    reader = csv.DictReader(lines)
    return MappingProxyType(
        {
            row["TG263-Primary Name"]: (row["TG-263-Reverse Order Name"], row["Description"])
            for row in reader
        }
    )


@functools.cache
def _table() -> tuple[tuple[Organ, ...], MappingProxyType[str, Organ]]:
    origin = "radcalc/data/organs.toml"
    data = parse_toml_text(_data_text("organs.toml"), origin, InvalidInputError)
    top = Table(data, origin=origin, where="", error=InvalidInputError)
    top.check_keys(("format", "organ"))
    top.required_string("format", choices=(ORGANS_FORMAT,))
    rows = tg263_names()
    organs: list[Organ] = []
    for table in top.tables("organ", label="organ"):
        table.check_keys(("name", "tg263", "variants", "part_of"))
        root = table.required_string("tg263")
        sided = [name for name in (root, f"{root}_L", f"{root}_R") if name in rows]
        if not sided:
            table.fail("tg263", f"{root!r} is not in tg263-organs.csv (alone or with _L/_R)")
        reverse = rows[sided[0]][0]
        if sided[0] != root:  # only sided rows: drop the side of the reverse-order name
            reverse = reverse.split("_", 1)[1]
        organs.append(
            Organ(
                name=table.required_string("name"),
                tg263=root,
                tg263_reverse=reverse if reverse != root else None,
                variants=tuple(table.string_list("variants", required=False) or ()),
                part_of=table.string("part_of", required=False),
            )
        )
    index: dict[str, Organ] = {}
    for organ in organs:
        keys = [organ.tg263, organ.name, *organ.variants]
        if organ.tg263_reverse is not None:
            keys.append(organ.tg263_reverse)
        for key_text in keys:
            key = _compact(key_text)
            known = index.setdefault(key, organ)
            if known != organ:
                raise InvalidInputError(
                    f"{origin}: the name {key_text!r} of {organ.name!r} is also a name of "
                    f"{known.name!r}; a name must identify one organ"
                )
    names = {organ.name for organ in organs}
    for organ in organs:
        if organ.part_of is not None and organ.part_of not in names:
            raise InvalidInputError(f"{origin}: part_of {organ.part_of!r} is not an organ name")
    return tuple(organs), MappingProxyType(index)


def list_organs() -> tuple[Organ, ...]:
    """Every organ of radcalc's table (``radcalc/data/organs.toml``), in file order.

    Examples
    --------
    >>> [organ.tg263 for organ in list_organs()][:3]
    ['SpinalCord', 'SpinalCord_Cerv', 'SpinalCord_Thor']
    """
    return _table()[0]


# --- reading a name ------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def match_organ(name: str) -> OrganName:
    """Read an organ name as written in a plan or a rule.

    Parameters
    ----------
    name : str
        E.g. ``"SpinalCord"``, ``"Cord_PRV"``, ``"OpticNrv_L"``, ``"spinal cord"``.

    Returns
    -------
    OrganName
        The organ of radcalc's table (None when not recognised), how it was
        recognised and the TG-263 modifiers (laterality, PRV, partial,
        qualifier, not for evaluation).

    Raises
    ------
    InvalidInputError
        For an empty name.

    Examples
    --------
    >>> m = match_organ("SpinalCord_PRV05")
    >>> m.canonical, m.prv, m.prv_mm, m.is_whole_organ
    ('spinal cord', True, 5, False)
    >>> m = match_organ("Lobe_Temporal_R")
    >>> m.canonical, m.laterality, m.matched_by
    ('temporal lobe', 'R', 'TG-263')
    >>> match_organ("BrainStem").matched_by
    'TG-263'
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"organ name must be a non-empty string, got {name!r}")
    text = name.strip()
    body = text
    qualifier = None
    if "^" in body:
        body, _, qualifier = body.partition("^")
        qualifier = qualifier.strip() or None
    not_for_evaluation = False
    if body[:1] in ("z", "_") and len(body) > 1:
        rest = body[1:]
        # "zSpinalCord" / "_Brainstem": TG-263's "not for evaluation" prefix, only when
        # the rest is a known organ (a name that merely starts with z is left alone).
        probe = _read(rest)
        if probe[0] is not None:
            body, not_for_evaluation = rest, True
    organ, how, variant, laterality, prv, prv_mm, partial = _read(body)
    return OrganName(
        text=text,
        organ=organ,
        matched_by=how,
        laterality=laterality,
        prv=prv,
        prv_mm=prv_mm,
        partial=partial,
        qualifier=qualifier,
        not_for_evaluation=not_for_evaluation,
        variant=variant,
    )


def _read(
    body: str,
) -> tuple[Organ | None, MatchedBy, str | None, Laterality | None, bool, int | None, bool]:
    """Read laterality, PRV and ``~`` off a name, then look the root up in the table."""
    tokens = [t for t in _SPLIT_RE.split(body.strip()) if t]
    partial = any("~" in t for t in tokens)
    tokens = [t.replace("~", "") for t in tokens]
    tokens = [t for t in tokens if t]
    prv = False
    prv_mm: int | None = None
    kept = []
    for token in tokens:
        found = _PRV_RE.match(token)
        if found and not prv:
            prv = True
            digits = found.group(1)
            prv_mm = int(digits) if digits and digits.isdigit() else None
        else:
            kept.append(token)
    laterality: Laterality | None = None
    if len(kept) > 1 and kept[-1].lower() in _LATERALITY:
        laterality = "L" if _LATERALITY[kept.pop().lower()] == "L" else "R"
    elif len(kept) > 1 and kept[0].lower() in _LATERALITY:
        laterality = "L" if _LATERALITY[kept.pop(0).lower()] == "L" else "R"
    key = _compact("".join(kept))
    organ = _table()[1].get(key)
    if organ is None:
        return None, "name only", None, laterality, prv, prv_mm, partial
    root = "_".join(kept).lower()
    how: MatchedBy
    variant = None
    if root == organ.tg263.lower():
        how = "TG-263"
    elif organ.tg263_reverse is not None and root == organ.tg263_reverse.lower():
        how = "TG-263 reverse order"
    elif key == _compact(organ.name):
        how = "canonical name"
    else:
        how = "variant"
        variant = next((v for v in organ.variants if _compact(v) == key), None)
        if variant is None:  # the TG-263 name written another way, e.g. "Spinal-Cord"
            how, variant = "canonical name", None
    return organ, how, variant, laterality, prv, prv_mm, partial
