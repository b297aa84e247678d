"""The result of reading a DVH export: :class:`DVHExport`, and its EQD2/BED conversion."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from radcalc.dosevolume.histogram import DVH
from radcalc.errors import InvalidInputError

__all__ = ["DVHExport", "structure_volume"]


@dataclass(frozen=True)
class DVHExport:
    r"""The DVHs of one plan as a planning system exported them (physical dose).

    Build one with :func:`radcalc.dosevolume.exports.read_dvh_export`.

    Attributes
    ----------
    format : {"eclipse", "raystation", "monaco"}
        The format the file was read as.
    source : str
        The file.
    patient_id, patient_name, plan : str or None
        As the file gives them (None when it does not).
    prescription_gy : float or None
        The prescribed (total) dose [Gy] where the file gives it.
    fractions : int or None
        The number of fractions where the file gives it (none of the tested
        export variants does: give it to :meth:`to_eqd2`).
    structures : tuple of DVH
        One cumulative physical-dose DVH per structure with volume, in file
        order (``source`` and ``convention`` say where each came from).
    empty : tuple of str
        Structures the file lists with zero volume (no DVH rows, or every
        volume 0): kept out of ``structures``, never silently dropped.

    Examples
    --------
    >>> h = DVH("Cord", [0.0, 40.0, 50.0], [10.0, 10.0, 0.0])
    >>> export = DVHExport("eclipse", "plan.txt", "123", "Doe^J", "P1", 50.0, None, (h,))
    >>> export.names, export["Cord"].metric("Dmean")
    (('Cord',), 45.0)
    """

    format: str
    source: str
    patient_id: str | None
    patient_name: str | None
    plan: str | None
    prescription_gy: float | None
    fractions: int | None
    structures: tuple[DVH, ...]
    empty: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the structures with a DVH, as in the file."""
        return tuple(h.name for h in self.structures)

    def __getitem__(self, name: str) -> DVH:
        for h in self.structures:
            if h.name == name:
                return h
        if name in self.empty:
            raise InvalidInputError(
                f"{self.source}: structure {name!r} has zero volume in the file (no DVH)"
            )
        close = [n for n in self.names if n.lower() == str(name).lower()]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InvalidInputError(
            f"{self.source}: no structure named {name!r}; the structures are "
            f"{', '.join(map(repr, self.names)) or 'none'}{hint}"
        )

    def __len__(self) -> int:
        return len(self.structures)

    def resolve_fractions(self, fractions: float | None) -> float:
        if fractions is None:
            if self.fractions is None:
                raise InvalidInputError(
                    f"{self.source}: the file does not give the number of fractions; pass "
                    "fractions= (the CLI: --fx)"
                )
            return float(self.fractions)
        if self.fractions is not None and not math.isclose(float(fractions), self.fractions):
            raise InvalidInputError(
                f"{self.source}: fractions={fractions!r} differs from the file's "
                f"{self.fractions} fractions"
            )
        return float(fractions)

    def alpha_beta_for(
        self, alpha_beta: float, alpha_beta_for: Mapping[str, float] | None = None
    ) -> dict[str, float]:
        """α/β [Gy] per structure: ``alpha_beta_for[name]`` where given, else the default.

        Raises
        ------
        InvalidInputError
            When ``alpha_beta_for`` names a structure the file does not have
            (the message lists them).
        """
        overrides = dict(alpha_beta_for or {})
        for name in overrides:
            if name not in self.names:
                raise InvalidInputError(
                    f"{self.source}: alpha_beta_for names {name!r}, which is not a structure of "
                    f"the file; the structures are {', '.join(map(repr, self.names))}"
                )
        return {name: float(overrides.get(name, alpha_beta)) for name in self.names}

    def to_eqd2(
        self,
        *,
        alpha_beta: float,
        alpha_beta_for: Mapping[str, float] | None = None,
        fractions: float | None = None,
    ) -> dict[str, DVH]:
        r"""Every structure's DVH in EQD2, each dose bin with its OWN dose per fraction.

        Parameters
        ----------
        alpha_beta : float
            Default :math:`\alpha/\beta` [Gy]; required, keyword-only.
        alpha_beta_for : mapping of str to float, optional
            :math:`\alpha/\beta` [Gy] of named structures (names as in the
            file), overriding the default.
        fractions : float, optional
            Number of fractions :math:`n`; default the file's (an error when
            the file gives none, or gives another number).

        Returns
        -------
        dict of str to DVH
            Structure name to its EQD2 DVH (``quantity="EQD2"``).

        Notes
        -----
        A DVH point at physical dose :math:`D` stands for tissue that got
        :math:`D` in :math:`n` fractions of :math:`D/n`, so [1]_

        .. math:: \mathrm{EQD2}(D) = D\,\frac{D/n + \alpha/\beta}{2 + \alpha/\beta}

        is exact for every point of the curve (each bin is one dose level),
        and D- and V-metrics are mapped exactly because EQD2 rises with
        :math:`D`. This is unlike the shortcut of converting with the
        prescription's dose per fraction, which understates EQD2 wherever
        the dose is above the prescription (hot spots, the organ maxima that
        constraints are about) and overstates it below, for every
        :math:`\alpha/\beta`.

        References
        ----------
        .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for
           change in dose per fraction. Radiother Oncol 1983;1:187-191.

        Examples
        --------
        >>> h = DVH("Cord", [0.0, 40.0, 50.0], [10.0, 10.0, 0.0])
        >>> e = DVHExport("eclipse", "plan.txt", None, None, None, None, 25, (h,))
        >>> round(e.to_eqd2(alpha_beta=2)["Cord"].metric("Dmax"), 6)  # 50 Gy in 2-Gy fx
        50.0
        """
        return self._converted("EQD2", alpha_beta, alpha_beta_for, fractions)

    def to_bed(
        self,
        *,
        alpha_beta: float,
        alpha_beta_for: Mapping[str, float] | None = None,
        fractions: float | None = None,
    ) -> dict[str, DVH]:
        r"""Every structure's DVH in BED, :math:`D\,(1 + (D/n)/(\alpha/\beta))` per point.

        As :meth:`to_eqd2` (same arguments and conventions) [1]_.

        References
        ----------
        .. [1] Fowler JF. The linear-quadratic formula and progress in
           fractionated radiotherapy. Br J Radiol 1989;62:679-694.

        Examples
        --------
        >>> h = DVH("Cord", [0.0, 30.0], [1.0, 0.0])
        >>> e = DVHExport("monaco", "plan.txt", None, None, None, None, None, (h,))
        >>> e.to_bed(alpha_beta=10, fractions=5)["Cord"].metric("Dmax")
        48.0
        """
        return self._converted("BED", alpha_beta, alpha_beta_for, fractions)

    def _converted(
        self,
        quantity: str,
        alpha_beta: float,
        alpha_beta_for: Mapping[str, float] | None,
        fractions: float | None,
    ) -> dict[str, DVH]:
        n = self.resolve_fractions(fractions)
        ab = self.alpha_beta_for(alpha_beta, alpha_beta_for)
        out: dict[str, DVH] = {}
        for h in self.structures:
            convert = h.to_eqd2 if quantity == "EQD2" else h.to_bed
            out[h.name] = convert(fractions=n, alpha_beta=ab[h.name])
        return out


def structure_volume(
    source: str,
    name: str,
    line: int,
    file_cc: float | None,
    volume_cc: Mapping[str, float],
) -> float | None:
    """The structure volume [cm³] to use: the file's, else ``volume_cc[name]``, else None.

    Raises
    ------
    InvalidInputError
        When both are given and differ by more than 0.5 %.
    """
    given = volume_cc.get(name)
    if file_cc is not None and file_cc > 0:
        if given is not None and abs(given - file_cc) > 0.005 * file_cc:
            raise InvalidInputError(
                f"{source}, line {line}: structure {name!r} has {file_cc:g} cc in the file but "
                f"volume_cc gives {given:g} cc"
            )
        return file_cc
    return given
