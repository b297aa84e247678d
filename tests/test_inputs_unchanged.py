"""No public function ever writes into a caller's array.

The LQ core writes into its own temporaries for speed (radcalc.lq._writable);
this guards every public entry point against that ever reaching an input.
Every argument is given as a float64 array (the dtype the core computes in,
so no conversion copy hides a write).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import radcalc


def _arrays(**values: list[float]) -> dict[str, np.ndarray]:
    return {name: np.array(v, dtype=np.float64) for name, v in values.items()}


CALLS: list[Any] = [
    pytest.param(
        radcalc.bed, _arrays(dose=[70, 30], fractions=[35, 5], alpha_beta=[3, 10]), id="bed"
    ),
    pytest.param(
        radcalc.eqd2, _arrays(dose=[70, 30], fractions=[35, 5], alpha_beta=[3, 10]), id="eqd2"
    ),
    pytest.param(
        radcalc.eqdx,
        _arrays(
            dose=[70, 30], fractions=[35, 5], alpha_beta=[3, 10], reference_dose_per_fraction=[2, 2]
        ),
        id="eqdx",
    ),
    pytest.param(
        radcalc.bed_from_eqd2, _arrays(eqd2=[60, 40], alpha_beta=[3, 10]), id="bed_from_eqd2"
    ),
    pytest.param(
        radcalc.eqd2_from_bed, _arrays(bed=[72, 48], alpha_beta=[3, 10]), id="eqd2_from_bed"
    ),
    pytest.param(
        radcalc.dose_for_eqd2,
        _arrays(target_eqd2=[60, 40], fractions=[30, 5], alpha_beta=[3, 10]),
        id="dose_for_eqd2",
    ),
    pytest.param(
        radcalc.fractions_for_eqd2,
        _arrays(target_eqd2=[60, 40], dose_per_fraction=[2, 6], alpha_beta=[3, 10]),
        id="fractions_for_eqd2",
    ),
    pytest.param(
        radcalc.eqd2,
        _arrays(
            dose=[65, 65],
            fractions=[54, 54],
            alpha_beta=[3, 10],
            fractions_per_day=[2, 2],
            interval_hours=[6, 6],
            repair_half_time_hours=[4, 1.5],
        ),
        id="eqd2-incomplete-repair",
    ),
    pytest.param(
        radcalc.bed,
        _arrays(
            dose=[70, 66],
            fractions=[35, 33],
            alpha_beta=[10, 10],
            overall_days=[46, 44],
            kickoff_days=[28, 28],
            repopulation_bed_per_day=[0.72, 0.72],
        ),
        id="bed-repopulation",
    ),
    pytest.param(
        radcalc.eqd2,
        {
            **_arrays(dose=[30, 24], fractions=[5, 1], alpha_beta=[10, 10], transition_dose=[6, 6]),
            "model": "lql",
        },
        id="eqd2-lql",
    ),
    pytest.param(
        radcalc.dose_for_eqd2,
        {
            **_arrays(target_eqd2=[40, 68], fractions=[5, 1], alpha_beta=[10, 10]),
            **_arrays(transition_dose=[6, 6]),
            "model": "lql",
        },
        id="dose_for_eqd2-lql",
    ),
    pytest.param(
        lambda **kw: radcalc.cumulative_eqd2(
            [kw["d1"], kw["d2"]], [kw["n1"], kw["n2"]], [kw["t"]], alpha_beta=kw["ab"]
        ),
        _arrays(d1=[45, 50], d2=[20, 30], n1=[35, 35], n2=[5, 5], t=[24, 24], ab=[2, 2]),
        id="cumulative_eqd2",
    ),
    pytest.param(
        lambda **kw: radcalc.cumulative_bed(
            [kw["d1"], kw["d2"]],
            [kw["n1"], kw["n2"]],
            [kw["t"]],
            alpha_beta=kw["ab"],
            recovery="step-cord-2021",
        ),
        _arrays(d1=[45, 50], d2=[20, 30], n1=[35, 35], n2=[5, 5], t=[24, 24], ab=[2, 2]),
        id="cumulative_bed",
    ),
    pytest.param(
        lambda **kw: radcalc.max_new_dose(
            kw["limit"], [kw["d1"]], [kw["n1"]], [kw["t"]], fractions=kw["n"], alpha_beta=kw["ab"]
        ),
        _arrays(limit=[70, 70], d1=[45, 50], n1=[35, 35], t=[24, 24], n=[5, 30], ab=[2, 2]),
        id="max_new_dose",
    ),
]


@pytest.mark.parametrize(("func", "kwargs"), CALLS)
def test_public_functions_never_write_into_inputs(
    func: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    before = {k: v.copy() for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    func(**kwargs)
    for name, original in before.items():
        np.testing.assert_array_equal(kwargs[name], original, err_msg=f"{name} was modified")


@pytest.mark.parametrize(("func", "kwargs"), CALLS)
def test_float32_inputs_never_written_either(
    func: Callable[..., Any], kwargs: dict[str, Any]
) -> None:
    as32 = {k: v.astype(np.float32) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    before = {k: v.copy() for k, v in as32.items() if isinstance(v, np.ndarray)}
    func(**as32)
    for name, original in before.items():
        np.testing.assert_array_equal(as32[name], original, err_msg=f"{name} was modified")
