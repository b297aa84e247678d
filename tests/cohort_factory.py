"""A synthetic cohort for the tests and benchmarks/bench_cohort.py: no patient data.

``write_cohort(folder, patients)`` writes, per patient, two courses of DICOM
files (an RT Dose with a linear dose gradient, tests/dicom_rtdose_factory.py,
and an RT Structure Set with a spinal cord and a brainstem, cylinders along z,
tests/rtstruct_factory.py) and a plan TOML naming them with the plan-file keys
``rtdose``/``rtstruct`` (per course) and ``structure``/``metric`` (per organ).
Each patient's dose level differs, so the rows differ from patient to patient.

``size`` sets the grid (voxels per axis, 2 mm voxels): 12 for the tests,
larger for the benchmark (a patient then takes about a second).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for benchmarks/

from dicom_rtdose_factory import write_rtdose_file
from rtstruct_factory import disc_contours, write_rtstruct_file

#: The constraint sets every synthetic plan is checked against.
CONSTRAINT_SETS = ("li2024-npc-postop", "nieder2006-cord")


def write_patient(folder: Path, number: int, *, size: int = 12) -> Path:
    """Write one patient (2 courses of RT Dose + RT Structure Set, and the plan); the plan path."""
    patient = folder / f"patient{number:03d}"
    patient.mkdir(parents=True, exist_ok=True)
    half = (size - 1) * 1.0  # 2 mm voxels centred on 0: from -half to +half [mm]
    reach = half - 2.0
    cord = disc_contours(lambda z: 4.0, (-reach, reach), 2.0, centre=(-half / 3, 0.0))
    brainstem = disc_contours(lambda z: 6.0, (-reach / 2, reach / 2), 2.0, centre=(half / 3, 0.0))
    rois = [(1, "SpinalCord", cord), (2, "Brainstem", brainstem)]
    courses = []
    for course, (base, gradient) in enumerate(((38.0, 0.3), (14.0, 0.2)), 1):
        dose = write_rtdose_file(
            patient / f"course{course}_rtdose.dcm",
            shape=(size, size, size),
            spacing_mm=(2.0, 2.0, 2.0),
            origin_mm=(-half, -half, -half),
            base=base + 0.5 * number,
            gradient=(gradient, 0.05, 0.02),
            sop_instance_uid=f"1.2.826.0.1.3680043.8.498.14.{number}.{course}",
        )
        struct = write_rtstruct_file(patient / f"course{course}_rtstruct.dcm", rois)
        courses.append((dose.name, struct.name))
    plan = folder / f"patient{number:03d}.toml"
    sets = ", ".join(f'"{name}"' for name in CONSTRAINT_SETS)
    (dose1, struct1), (dose2, struct2) = courses
    plan.write_text(
        f"""title = "synthetic patient {number}"
constraint_sets = [{sets}]

[[course]]
schedule = "70/35"
interval_to_next = "{24 + number}m"
rtdose = "patient{number:03d}/{dose1}"
rtstruct = "patient{number:03d}/{struct1}"

[[course]]
schedule = "65/54 bid"
intent = "postoperative"
margin = "close"
rtdose = "patient{number:03d}/{dose2}"
rtstruct = "patient{number:03d}/{struct2}"

[[organ]]
name = "spinal cord"
alpha_beta = 2

[[organ]]
name = "brainstem"
structure = "Brainstem"
metric = "D0.03cc"
alpha_beta = 2
""",
        encoding="utf-8",
    )
    return plan


def write_cohort(folder: Path, patients: int, *, size: int = 12) -> list[Path]:
    """Write ``patients`` synthetic patients into ``folder``; their plan files, in order."""
    return [write_patient(folder, number, size=size) for number in range(1, patients + 1)]
