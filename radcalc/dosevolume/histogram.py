r"""Dose-volume histograms: exact voxel DVHs, cumulative and differential curves, metrics.

A :class:`DVH` is a cumulative curve, the volume receiving at least each dose
level, read as **piecewise linear** between its points. Every metric
(:meth:`DVH.metric`, syntax in :mod:`radcalc.dosevolume.metrics`) interpolates
on that curve; nothing is read off a coarse histogram.

A DVH built from voxels (:meth:`DVH.from_voxels`, used by :func:`dvh`) keeps
every voxel as a point: the voxels sorted by dose, voxel :math:`i` (dose
:math:`d_i`, partial volume :math:`w_i`) is placed at the middle of the volume
it occupies in that order,

.. math:: V(d_i) = \sum_{j > i} w_j + \tfrac{1}{2} w_i,

so that the curve of a smooth dose distribution sampled by voxels is
reproduced without the half-voxel bias of a step function (the midpoint
rule). The curve starts at the whole volume at dose 0 and at the minimum dose,
and ends at volume 0 at the maximum dose. Dmin, Dmax and Dmean of a voxel DVH
are exact voxel statistics (see :meth:`DVH.metric`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from radcalc import lq
from radcalc._tables import html_table
from radcalc._validate import check_scalar
from radcalc.dosevolume.metrics import Metric, parse_metric
from radcalc.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    from radcalc.grid import DoseGrid
    from radcalc.structures import Structure

__all__ = ["DVH", "dvh"]

_QUANTITIES = ("physical", "EQD2", "BED")
_UNITS = ("cc", "%")
_FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def _vector(label: str, value: object, *, minimum: float | None = None) -> _FloatArray:
    """A read-only float64 copy of a finite 1-D array (``minimum`` inclusive)."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{label} must be a 1-D array of numbers ({exc})") from None
    if array.ndim != 1 or array.size == 0:
        raise InvalidInputError(f"{label} must be a non-empty 1-D array, got shape {array.shape}")
    bad = ~np.isfinite(array)
    if bad.any():
        index = int(np.argmax(bad))
        raise InvalidInputError(
            f"{label} must be finite, got {array[index]} at index {index} ({int(bad.sum())} "
            "values not finite)"
        )
    if minimum is not None and bool((array < minimum).any()):
        index = int(np.argmax(array < minimum))
        raise InvalidInputError(
            f"{label} must be >= {minimum:g}, got {array[index]:g} at index {index}"
        )
    array.flags.writeable = False
    return array


def _positive_or_none(label: str, value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise InvalidInputError(f"{label} must be > 0, got {value!r}")
    return number


@dataclass(frozen=True, eq=False)
class DVH:
    r"""A cumulative dose-volume histogram of one structure.

    Build one with :func:`dvh` (a structure on a dose grid),
    :meth:`from_voxels`, :meth:`from_cumulative` or :meth:`from_differential`;
    the constructor takes the cumulative curve itself and validates it.

    Parameters
    ----------
    name : str
        The structure's name.
    dose_gy : array_like
        Ascending (non-decreasing) dose levels of ``quantity`` [Gy], >= 0.
    volume : array_like
        CUMULATIVE volume receiving at least ``dose_gy[i]``: non-increasing,
        >= 0, in ``volume_unit``.
    volume_unit : {"cc", "%"}
        ``"cc"`` [cm³], or ``"%"`` of the structure (e.g. a DVH export that
        gives no volume).
    total_volume_cc : float, optional
        The structure's volume [cm³]; for a ``"cc"`` curve without it, the
        curve's first volume is taken.
    quantity : {"physical", "EQD2", "BED"}
        The dose quantity of ``dose_gy``.
    dmin_gy, dmax_gy, dmean_gy : float, optional
        Exact statistics where known (voxels, an export's header); otherwise
        the metrics read them off the curve.
    fractions, alpha_beta : float, optional
        Set on EQD2/BED DVHs: the number of fractions and α/β [Gy] of the
        conversion.
    source : str
        Where the DVH came from (a file name; ``""`` in memory).
    convention : str
        How the curve was made (voxel midpoint rule, end-caps, α/β source...),
        shown in reports.

    Raises
    ------
    InvalidInputError
        For arrays that are not 1-D, of different lengths, not finite,
        negative, a dose that decreases or a volume that increases, a ``"%"``
        volume above 100, an unknown unit or quantity.

    Examples
    --------
    >>> h = DVH("cord", [0, 10, 20, 30], [10.0, 10.0, 5.0, 0.0])
    >>> h.volume_cc, h.metric("D50%"), h.metric("V15Gy"), h.metric("V15Gy%")
    (10.0, 20.0, 7.5, 75.0)
    """

    name: str
    dose_gy: _FloatArray
    volume: _FloatArray
    volume_unit: str = "cc"
    total_volume_cc: float | None = None
    quantity: str = "physical"
    dmin_gy: float | None = None
    dmax_gy: float | None = None
    dmean_gy: float | None = None
    fractions: float | None = None
    alpha_beta: float | None = None
    source: str = ""
    convention: str = ""
    # The voxels of a voxel DVH (doses [Gy], partial volumes [cc]), kept so that
    # an EQD2/BED conversion is exact per voxel.
    _voxels: tuple[_FloatArray, _FloatArray] | None = field(default=None, repr=False)
    # The physical-dose DVH a converted curve came from: its D and V metrics are
    # computed there and mapped (exact, since EQD2 and BED rise with dose).
    _physical: DVH | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        label = f"DVH {self.name!r}"
        if self.volume_unit not in _UNITS:
            raise InvalidInputError(
                f"{label}: volume_unit must be 'cc' or '%', got {self.volume_unit!r}"
            )
        if self.quantity not in _QUANTITIES:
            raise InvalidInputError(
                f"{label}: quantity must be one of {', '.join(_QUANTITIES)}, got {self.quantity!r}"
            )
        dose = _vector(f"{label} dose_gy", self.dose_gy, minimum=0.0)
        volume = _vector(f"{label} volume", self.volume, minimum=0.0)
        if dose.size != volume.size:
            raise InvalidInputError(
                f"{label}: dose_gy and volume must have one length, got {dose.size} and "
                f"{volume.size}"
            )
        if bool((np.diff(dose) < 0).any()):
            index = int(np.argmax(np.diff(dose) < 0)) + 1
            raise InvalidInputError(
                f"{label}: dose_gy must be ascending, got {dose[index]:g} after "
                f"{dose[index - 1]:g} at index {index}"
            )
        if bool((np.diff(volume) > 0).any()):
            index = int(np.argmax(np.diff(volume) > 0)) + 1
            raise InvalidInputError(
                f"{label}: a cumulative volume must not increase with dose, got "
                f"{volume[index]:g} after {volume[index - 1]:g} at index {index} "
                "(is it a differential DVH? use DVH.from_differential)"
            )
        if volume[0] <= 0:
            raise InvalidInputError(f"{label}: the structure has no volume (volume[0] = 0)")
        if self.volume_unit == "%" and volume[0] > 100 * (1 + 1e-9):
            raise InvalidInputError(
                f"{label}: a volume in % must be <= 100, got {volume[0]:g} (is it in cc?)"
            )
        object.__setattr__(self, "dose_gy", dose)
        object.__setattr__(self, "volume", volume)
        for attribute in ("total_volume_cc", "fractions", "alpha_beta"):
            value = _positive_or_none(f"{label}: {attribute}", getattr(self, attribute))
            object.__setattr__(self, attribute, value)
        for attribute in ("dmin_gy", "dmax_gy", "dmean_gy"):
            value = getattr(self, attribute)
            if value is not None:
                number = float(value)
                if not (math.isfinite(number) and number >= 0):
                    raise InvalidInputError(f"{label}: {attribute} must be >= 0, got {value!r}")
                object.__setattr__(self, attribute, number)

    # ------------------------------------------------------------------ builders

    @classmethod
    def from_voxels(
        cls,
        doses_gy: Any,
        weights_cc: Any,
        *,
        name: str = "",
        quantity: str = "physical",
        fractions: float | None = None,
        alpha_beta: float | None = None,
        source: str = "",
        convention: str = "",
    ) -> DVH:
        r"""The exact DVH of voxels: every voxel dose is a point of the curve.

        Parameters
        ----------
        doses_gy : array_like
            Dose of each voxel [Gy], >= 0 (any shape; flattened).
        weights_cc : array_like
            Partial volume of each voxel inside the structure [cm³], >= 0, of
            the same shape. Voxels of weight 0 are ignored.
        name, quantity, fractions, alpha_beta, source, convention
            As in :class:`DVH`.

        Returns
        -------
        DVH
            In ``"cc"``, with ``total_volume_cc`` the sum of the weights and
            the exact ``dmin_gy``/``dmax_gy`` (over voxels of weight > 0) and
            ``dmean_gy`` (weighted mean).

        Raises
        ------
        InvalidInputError
            For shapes that differ, values that are not finite or negative,
            or no voxel of weight > 0 (an empty structure).

        Notes
        -----
        Curve points: :math:`(0, W)`, :math:`(d_{(1)}, W)`, then
        :math:`(d_{(i)}, \sum_{j>i} w_{(j)} + w_{(i)}/2)` for the voxels in
        ascending dose order, then :math:`(d_{(N)}, 0)`, with :math:`W` the
        total weight (the midpoint rule of the module docstring). Voxels of
        exactly one dose count as one point of their joint volume.

        Examples
        --------
        >>> h = DVH.from_voxels([1.0, 2.0, 3.0, 4.0], [0.5, 0.5, 0.5, 0.5], name="ptv")
        >>> h.volume_cc, h.metric("Dmean"), h.metric("D50%"), h.metric("V3Gy")
        (2.0, 2.5, 2.5, 0.75)
        """
        label = f"DVH {name!r}"
        doses = np.asarray(doses_gy)
        weights = np.asarray(weights_cc)
        if doses.shape != weights.shape:
            raise InvalidInputError(
                f"{label}: doses_gy and weights_cc must have one shape, got {doses.shape} and "
                f"{weights.shape}"
            )
        d = _vector(f"{label} voxel doses_gy", doses.ravel(), minimum=0.0)
        w = _vector(f"{label} voxel weights_cc", weights.ravel(), minimum=0.0)
        inside = w > 0
        if not inside.any():
            raise InvalidInputError(f"{label}: the structure has no voxel of volume > 0")
        d, w = d[inside], w[inside]
        order = np.argsort(d, kind="stable")
        d, w = d[order], w[order]
        total = float(w.sum())
        # Voxels of one dose are one point (their joint volume), so that ties
        # (a dose constant along an axis) do not make steps.
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        levels, joint = d[starts], np.add.reduceat(w, starts)
        above = np.maximum(total - np.cumsum(joint), 0.0)  # volume at higher doses
        curve_dose = np.concatenate(([0.0, levels[0]], levels, [levels[-1]]))
        # (the running minimum only removes rounding of the cumulative sum)
        curve_volume = np.minimum.accumulate(
            np.concatenate(([total, total], above + joint / 2, [0.0]))
        )
        d.flags.writeable = w.flags.writeable = False
        return cls(
            name,
            curve_dose,
            curve_volume,
            volume_unit="cc",
            total_volume_cc=total,
            quantity=quantity,
            dmin_gy=float(d[0]),
            dmax_gy=float(d[-1]),
            dmean_gy=float(np.dot(d, w) / total),
            fractions=fractions,
            alpha_beta=alpha_beta,
            source=source,
            convention=convention or "voxels, midpoint rule",
            _voxels=(d, w),
        )

    @classmethod
    def from_cumulative(
        cls, dose_gy: Any, volume: Any, *, name: str = "", **attributes: Any
    ) -> DVH:
        """A DVH from a cumulative curve (an export); ``attributes`` as in :class:`DVH`.

        Examples
        --------
        >>> DVH.from_cumulative([0, 50, 60], [100, 100, 0], name="ptv", volume_unit="%",
        ...                     total_volume_cc=80).metric("D95%")
        50.5
        """
        return cls(name, dose_gy, volume, **attributes)

    @classmethod
    def from_differential(
        cls, bin_edges_gy: Any, dvolume: Any, *, name: str = "", **attributes: Any
    ) -> DVH:
        """A DVH from a differential histogram: ``dvolume[i]`` between ``bin_edges_gy[i:i+2]``.

        The dose is taken as uniform within each bin, so the cumulative curve
        is linear between bin edges. ``attributes`` as in :class:`DVH`.

        Raises
        ------
        InvalidInputError
            For edges that do not ascend strictly, a length that is not
            ``len(dvolume) + 1``, or a negative volume.

        Examples
        --------
        >>> h = DVH.from_differential([0, 1, 2], [1.0, 3.0], name="x")
        >>> h.volume.tolist(), h.metric("Dmean")
        ([4.0, 3.0, 0.0], 1.25)
        """
        label = f"DVH {name!r}"
        edges = _vector(f"{label} bin_edges_gy", bin_edges_gy, minimum=0.0)
        parts = _vector(f"{label} dvolume", dvolume, minimum=0.0)
        if edges.size != parts.size + 1:
            raise InvalidInputError(
                f"{label}: bin_edges_gy needs len(dvolume) + 1 = {parts.size + 1} values, "
                f"got {edges.size}"
            )
        if bool((np.diff(edges) <= 0).any()):
            raise InvalidInputError(f"{label}: bin_edges_gy must ascend strictly")
        cumulative = np.concatenate((np.cumsum(parts[::-1])[::-1], [0.0]))
        return cls(name, edges, cumulative, **attributes)

    # ------------------------------------------------------------------ views

    def cumulative(self) -> DVH:
        """The cumulative DVH: ``self`` (for :func:`radcalc.plot.plot_dvh`)."""
        return self

    def differential(self, bin_width_gy: float | None = None) -> tuple[_FloatArray, _FloatArray]:
        """The differential DVH ``(bin_edges_gy, dvolume)`` in :attr:`volume_unit`.

        Parameters
        ----------
        bin_width_gy : float, optional
            Bins of this width [Gy] from 0 up past the maximum dose; default
            the curve's own dose levels as bin edges.

        Returns
        -------
        tuple of numpy.ndarray
            ``len(bin_edges_gy) == len(dvolume) + 1``; ``dvolume`` sums to
            the volume at the lowest edge.

        Examples
        --------
        >>> edges, dv = DVH("x", [0, 10, 20], [4.0, 4.0, 0.0]).differential(5)
        >>> edges.tolist(), dv.tolist()
        ([0.0, 5.0, 10.0, 15.0, 20.0, 25.0], [0.0, 0.0, 2.0, 2.0, 0.0])
        """
        if bin_width_gy is None:
            edges = self.dose_gy.copy()
            volumes = self.volume
        else:
            width = cast(float, _positive_or_none("bin_width_gy", bin_width_gy))
            count = int(np.floor(self.dose_gy[-1] / width)) + 2
            edges = np.arange(count, dtype=np.float64) * width
            volumes = self._volume_at(edges)
        return edges, np.maximum(-np.diff(volumes), 0.0)

    # ------------------------------------------------------------------ volumes

    @property
    def volume_cc(self) -> float:
        """The structure's volume [cm³].

        Raises
        ------
        InvalidInputError
            For a ``"%"`` DVH without ``total_volume_cc``.
        """
        if self.total_volume_cc is not None:
            return self.total_volume_cc
        if self.volume_unit == "cc":
            return float(self.volume[0])
        raise InvalidInputError(
            f"DVH {self.name!r}: the structure volume is unknown (a DVH in % without "
            "total_volume_cc; for a DVH export give volume_cc={name: cc}, on the command line "
            "--volume NAME=CC)"
        )

    def _whole(self) -> float:
        """The whole structure in :attr:`volume_unit` (100 for ``"%"``)."""
        return 100.0 if self.volume_unit == "%" else self.volume_cc

    def _volume_at(self, dose: Any) -> _FloatArray:
        """Volume receiving >= dose (left-continuous; linear between points; 0 above the top)."""
        return np.asarray(
            np.interp(
                -np.asarray(dose, dtype=np.float64),
                -self.dose_gy[::-1],
                self.volume[::-1],
                left=0.0,
                right=float(self.volume[0]),
            ),
            dtype=np.float64,
        )

    def _dose_at(self, volume: float) -> float:
        """Highest dose received by at least ``volume`` (in :attr:`volume_unit`)."""
        dose = float(np.interp(-volume, -self.volume, self.dose_gy))
        return min(max(dose, float(self.dose_gy[0])), float(self.dose_gy[-1]))  # rounding

    # ------------------------------------------------------------------ metrics

    def metric(self, metric: str | Metric) -> float:
        r"""The value of one DVH metric (``"Dmax"``, ``"D0.03cc"``, ``"D95%"``, ``"V20Gy%"`` ...).

        Parameters
        ----------
        metric : str or Metric
            The metric (grammar in :mod:`radcalc.dosevolume.metrics`).

        Returns
        -------
        float
            A dose [Gy] of :attr:`quantity` for ``D`` metrics; a volume [cm³]
            for ``V<x>Gy`` and [%] for ``V<x>Gy%``.

        Raises
        ------
        InvalidInputError
            For a metric outside the grammar; a ``D<x>cc`` above the
            structure volume; a cc metric on a ``"%"`` DVH without
            ``total_volume_cc``.

        Notes
        -----
        Conventions (all on the piecewise-linear cumulative curve
        :math:`V(D)`):

        * **Dmax** / **Dmin**: the exact maximum / minimum voxel dose over the
          voxels of weight > 0 (a voxel DVH, or an export's header);
          otherwise the lowest dose where :math:`V` reaches its last value /
          the highest dose where :math:`V` still equals its first value.
        * **Dmean**: the exact weighted voxel mean where known; otherwise
          :math:`\int D\,(-\mathrm{d}V) / V(0)` on the curve (uniform dose
          within each segment; volume left at the top level counted there).
        * **D<x>** (``%`` or ``cc``): the highest dose :math:`D` with
          :math:`V(D) \ge x`, interpolated linearly between curve points.
          For a voxel DVH the points are the voxel midpoints, so
          ``D0.03cc`` on a grid of 0.027 cm³ voxels lies between the hottest
          voxel's dose and the next one's; it is never above Dmax, and equals
          Dmax only when x is at most half the hottest voxel's volume.
        * **V<x>Gy**: :math:`V(x)`, interpolated linearly; the whole volume
          for :math:`x \le` the lowest level, 0 above the highest.

        Examples
        --------
        >>> h = DVH.from_voxels([10.0, 20.0, 30.0], [1.0, 1.0, 1.0])
        >>> [h.metric(m) for m in ("Dmax", "Dmin", "Dmean", "D1cc", "D0.25cc", "V20Gy%")]
        [30.0, 10.0, 20.0, 25.0, 30.0, 50.0]
        """
        m = parse_metric(metric)
        if m.kind == "Dmax":
            if self.dmax_gy is not None:
                return self.dmax_gy
            return float(self.dose_gy[int(np.argmax(self.volume <= self.volume[-1]))])
        if m.kind == "Dmin":
            if self.dmin_gy is not None:
                return self.dmin_gy
            return float(self.dose_gy[int(np.flatnonzero(self.volume >= self.volume[0])[-1])])
        if m.kind == "Dmean":
            if self.dmean_gy is not None:
                return self.dmean_gy
            return self._curve_mean(lambda d: d)
        if m.value is None:  # D and V metrics always carry a value (parse_metric)
            raise InvalidInputError(f"metric {metric!r}: a D or V metric needs a value")
        if self._physical is not None:
            if m.kind == "D":
                return float(self._from_physical(self._physical.metric(m)))
            return self._physical.metric(replace(m, value=float(self._to_physical(m.value))))
        if m.kind == "D":
            target = self._in_curve_unit(m.value, m.unit, m.text)
            if target > self.volume[0] * (1 + 1e-12):
                raise InvalidInputError(
                    f"DVH {self.name!r}: {m.text} asks for more volume than the structure has "
                    f"({self._whole():.4g} {self.volume_unit})"
                )
            return self._dose_at(target)
        volume = float(self._volume_at(m.value))
        if m.unit == "%":
            return 100.0 * volume / self._whole()
        return volume if self.volume_unit == "cc" else volume / 100.0 * self.volume_cc

    def metrics(self, metrics: Any) -> dict[str, float]:
        """Several metrics at once: ``{canonical text: value}`` (see :meth:`metric`).

        Examples
        --------
        >>> DVH.from_voxels([10.0, 20.0], [1.0, 1.0]).metrics(["dmax", "Dmean"])
        {'Dmax': 20.0, 'Dmean': 15.0}
        """
        parsed = [parse_metric(m) for m in ([metrics] if isinstance(metrics, str) else metrics)]
        return {m.text: self.metric(m) for m in parsed}

    def _in_curve_unit(self, value: float, unit: str, text: str) -> float:
        if unit == self.volume_unit:
            return value
        if unit == "%":  # % of a cc curve
            return value / 100.0 * self._whole()
        try:
            return value / self.volume_cc * 100.0  # cc of a % curve
        except InvalidInputError:
            raise InvalidInputError(
                f"DVH {self.name!r}: {text} needs the structure volume, which this DVH in % "
                "does not give (total_volume_cc; for a DVH export give volume_cc={name: cc}, "
                "on the command line --volume NAME=CC)"
            ) from None

    def _curve_mean(self, dose_function: Any) -> float:
        """Mean of ``dose_function`` over the curve's volume, dose uniform within segments.

        ``dose_function`` maps a dose to a value a + b D + c D² (exact for
        polynomials up to degree 2 via Simpson's rule on each segment).
        """
        dose, volume = self.dose_gy, self.volume
        low, high = dose[:-1], dose[1:]
        mass = volume[:-1] - volume[1:]
        middle = dose_function((low + high) / 2)
        simpson = (dose_function(low) + 4 * middle + dose_function(high)) / 6
        total = float(np.dot(mass, simpson) + volume[-1] * dose_function(dose[-1]))
        return total / float(volume[0])

    # ------------------------------------------------------------------ conversions

    def _from_physical(self, dose: Any) -> Any:
        """Physical dose [Gy] to this DVH's quantity (its fractions and α/β)."""
        convert = lq.eqd2 if self.quantity == "EQD2" else lq.bed
        return convert(dose, self.fractions, alpha_beta=self.alpha_beta)

    def _to_physical(self, dose: float) -> float:
        """This DVH's quantity [Gy] back to physical dose (the LQ inverse)."""
        ab = self.alpha_beta
        eqd2 = dose if self.quantity == "EQD2" else lq.eqd2_from_bed(dose, alpha_beta=ab)
        return float(lq.dose_for_eqd2(eqd2, self.fractions, alpha_beta=ab))

    def to_eqd2(self, *, fractions: float, alpha_beta: float) -> DVH:
        r"""This physical-dose DVH in EQD2, each dose level with its own dose per fraction.

        Parameters
        ----------
        fractions : float
            Number of fractions :math:`n > 0` of the course.
        alpha_beta : float
            Tissue :math:`\alpha/\beta > 0` [Gy].

        Returns
        -------
        DVH
            ``quantity="EQD2"``. A voxel DVH is converted voxel by voxel
            (exact, Dmean included); a curve has every dose level mapped
            (exact, since EQD2 rises with dose) and its Dmean integrated on
            the converted curve (dose uniform within each segment).

        Raises
        ------
        InvalidInputError
            When the DVH is not physical dose, or for invalid ``fractions`` /
            ``alpha_beta``.

        Warns
        -----
        RadcalcWarning
            Where a dose per fraction exceeds 10 Gy (see :func:`radcalc.eqd2`).

        Notes
        -----
        A voxel of total dose :math:`D` in :math:`n` fractions has [1]_

        .. math:: \mathrm{EQD2} = D\,\frac{D/n + \alpha/\beta}{2 + \alpha/\beta}.

        References
        ----------
        .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for
           change in dose per fraction. Radiother Oncol 1983;1:187-191.

        Examples
        --------
        >>> h = DVH.from_voxels([60.0, 70.0], [1.0, 1.0], name="ptv")
        >>> round(h.to_eqd2(fractions=35, alpha_beta=3).metric("Dmax"), 6)
        70.0
        """
        return self._converted("EQD2", fractions, alpha_beta)

    def to_bed(self, *, fractions: float, alpha_beta: float) -> DVH:
        r"""This physical-dose DVH in BED, :math:`D\,(1 + (D/n)/(\alpha/\beta))` per level.

        As :meth:`to_eqd2` (same arguments, errors and conventions) with
        ``quantity="BED"`` [1]_.

        References
        ----------
        .. [1] Fowler JF. The linear-quadratic formula and progress in
           fractionated radiotherapy. Br J Radiol 1989;62:679-694.

        Examples
        --------
        >>> DVH.from_voxels([30.0], [1.0]).to_bed(fractions=5, alpha_beta=10).metric("Dmax")
        48.0
        """
        return self._converted("BED", fractions, alpha_beta)

    def _converted(self, quantity: str, fractions: float, alpha_beta: float) -> DVH:
        if self.quantity != "physical":
            raise InvalidInputError(
                f"DVH {self.name!r} is already {self.quantity}; only a physical-dose DVH can be "
                f"converted to {quantity}"
            )
        convert = lq.eqd2 if quantity == "EQD2" else lq.bed
        n = check_scalar("fractions", fractions, "> 0")
        ab = check_scalar("alpha_beta", alpha_beta, "> 0", "Gy")

        def mapped(dose: Any) -> Any:
            return convert(dose, n, alpha_beta=ab)

        convention = f"{self.convention}; " if self.convention else ""
        convention += f"{quantity} per dose level with its own dose per fraction (D/n)"
        if self._voxels is not None:
            doses, weights = self._voxels
            return DVH.from_voxels(
                mapped(doses),
                weights,
                name=self.name,
                quantity=quantity,
                fractions=n,
                alpha_beta=ab,
                source=self.source,
                convention=convention,
            )
        return replace(
            self,
            dose_gy=mapped(self.dose_gy),
            quantity=quantity,
            dmin_gy=None if self.dmin_gy is None else float(mapped(self.dmin_gy)),
            dmax_gy=None if self.dmax_gy is None else float(mapped(self.dmax_gy)),
            dmean_gy=self._curve_mean(mapped),
            fractions=n,
            alpha_beta=ab,
            convention=convention,
            _physical=self,
        )

    # ------------------------------------------------------------------ display

    def describe(self) -> str:
        """One line: name, quantity, volume and the dose statistics."""
        unit = "Gy" if self.quantity == "physical" else f"Gy {self.quantity}"
        try:
            volume = f"{self.volume_cc:.4g} cc"
        except InvalidInputError:
            volume = "volume unknown"
        stats = ", ".join(
            f"{text} {self.metric(text):.4g} {unit}" for text in ("Dmin", "Dmean", "Dmax")
        )
        return f"{self.name}: {volume}, {stats}"

    def __repr__(self) -> str:
        return f"<DVH {self.describe()} ({self.dose_gy.size} points)>"

    def _repr_html_(self) -> str:
        unit = "Gy" if self.quantity == "physical" else f"Gy {self.quantity}"
        rows = []
        for text in ("Dmax", "D0.03cc", "D2cc", "D5%", "Dmean", "D95%", "Dmin"):
            try:
                rows.append((text, f"{self.metric(text):.4g} {unit}"))
            except InvalidInputError:
                continue
        footnotes = [f"Convention: {self.convention}"] if self.convention else []
        if self.fractions is not None and self.alpha_beta is not None:
            footnotes.append(f"{self.fractions:g} fx, α/β {self.alpha_beta:g} Gy")
        try:
            caption = f"DVH {self.name} ({self.volume_cc:.4g} cc)"
        except InvalidInputError:
            caption = f"DVH {self.name}"
        return html_table(
            caption, ("metric", "value"), rows, align=("left", "right"), footnotes=footnotes
        )


def dvh(
    grid: DoseGrid,
    structure: Structure,
    *,
    fractions: float | None = None,
    alpha_beta: float | Mapping[str, float] | None = None,
    quantity: str = "eqd2",
    subvoxels: int | None = None,
) -> DVH:
    r"""The DVH of a structure on a dose grid: physical dose, or EQD2/BED per voxel.

    Parameters
    ----------
    grid : DoseGrid
        The dose [Gy] of the whole course (physical).
    structure : Structure
        The structure (e.g. ``read_rtstruct(path)["Brainstem"]``).
    fractions : float, optional
        Number of fractions :math:`n` of the course; with ``alpha_beta``,
        the DVH is in EQD2 (or BED).
    alpha_beta : float or mapping of str to float, optional
        α/β [Gy], or a mapping of structure name to α/β that must hold this
        structure's name (no default is guessed).
    quantity : {"eqd2", "bed"}
        The quantity of a converted DVH; default ``"eqd2"``.
    subvoxels : int, optional
        Sub-voxels per voxel and axis for the dose samples; default adaptive
        (about 50 across the structure, at most 16 per voxel and axis; 1 for
        structures large against the voxels). ``1`` uses the voxel centres
        only. See :func:`radcalc.dosevolume.mask.sample_dose`.

    Returns
    -------
    DVH
        A sample DVH (:meth:`DVH.from_voxels`) in cc: the dose samples of the
        structure with their exact partial volumes (in-plane polygon areas,
        half-slice end-caps at the first and last contour; conventions in
        :mod:`radcalc.dosevolume.mask` and :mod:`radcalc.structures`, and in
        the DVH's ``convention``). Dmax/Dmin are the largest/smallest sample
        dose of weight > 0; D<x> and V<x>Gy are interpolated
        (:meth:`DVH.metric`).

    Raises
    ------
    InvalidInputError
        When only one of ``fractions``/``alpha_beta`` is given, the mapping
        lacks the structure, the grid is not physical dose but a conversion is
        asked, or the structure is empty or off the grid.

    Notes
    -----
    EQD2 is computed voxel by voxel, each voxel with its OWN dose per fraction
    :math:`D_\mathrm{voxel}/n` [1]_, never the prescription's:

    .. math:: \mathrm{EQD2}_\mathrm{voxel} = D_\mathrm{voxel}\,
              \frac{D_\mathrm{voxel}/n + \alpha/\beta}{2 + \alpha/\beta}

    References
    ----------
    .. [1] Withers HR, Thames HD, Peters LJ. A new isoeffect curve for change
       in dose per fraction. Radiother Oncol 1983;1:187-191.

    Examples
    --------
    A 6 mm cube (contours on z = -2, 0, 2 mm) in a uniform 60 Gy:

    >>> import numpy as np
    >>> from radcalc.grid import DoseGrid
    >>> from radcalc.structures import Contour, Structure
    >>> axis = np.arange(-6.0, 6.5, 3.0)
    >>> grid = DoseGrid(np.full((5, 5, 5), 60.0), z_mm=axis, y_mm=axis, x_mm=axis)
    >>> square = [[-3, -3], [3, -3], [3, 3], [-3, 3]]
    >>> cube = Structure(1, "cube", tuple(Contour(z, square) for z in (-2.0, 0.0, 2.0)))
    >>> h = dvh(grid, cube, fractions=30, alpha_beta=3)
    >>> round(h.volume_cc, 6), round(h.metric("Dmean"), 6), h.quantity
    (0.216, 60.0, 'EQD2')
    """
    from radcalc.dosevolume.mask import sample_dose

    if (fractions is None) != (alpha_beta is None):
        raise InvalidInputError(
            "an EQD2/BED DVH needs both fractions and alpha_beta; got "
            f"fractions={fractions!r}, alpha_beta={alpha_beta!r}"
        )
    key = quantity.lower() if isinstance(quantity, str) else quantity
    if key not in ("eqd2", "bed"):
        raise InvalidInputError(f"quantity must be 'eqd2' or 'bed', got {quantity!r}")
    ab: float | None = None
    if isinstance(alpha_beta, Mapping):
        if structure.name not in alpha_beta:
            raise InvalidInputError(
                f"alpha_beta has no entry for structure {structure.name!r} (entries: "
                f"{', '.join(map(repr, alpha_beta)) or 'none'})"
            )
        ab = alpha_beta[structure.name]
    elif alpha_beta is not None:
        ab = alpha_beta
    if ab is not None and grid.quantity != "physical":
        raise InvalidInputError(
            f"the dose grid {grid.source or '(in memory)'} is {grid.quantity}, not physical dose; "
            "an EQD2/BED DVH is computed from the physical dose"
        )
    samples = sample_dose(grid, structure, subvoxels=subvoxels)
    physical = DVH.from_voxels(
        samples.doses_gy,
        samples.weights_cc,
        name=structure.name,
        quantity=grid.quantity,
        source=grid.source,
        convention=samples.convention,
    )
    if ab is None:
        return physical
    if fractions is None:  # checked above together with alpha_beta
        raise InvalidInputError("dvh: an EQD2/BED DVH needs fractions")
    if key == "eqd2":
        return physical.to_eqd2(fractions=fractions, alpha_beta=ab)
    return physical.to_bed(fractions=fractions, alpha_beta=ab)
