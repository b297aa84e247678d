"""From two courses' DICOM files to a cumulative EQD2 map, DVH metrics and a plan check.

A synthetic spine re-irradiation (an illustration, not a patient): course 1
gave 40 Gy in 20 fractions, course 2, 18 months later, 25 Gy in 5 fractions.
Both dose grids are in the same frame of reference (the second CT registered
to the first). The script

1. writes each course's RT Dose (RD) and RT Structure Set (RS) with pydicom
   into a temporary folder (a spinal cord and a vertebral body, analytic
   shapes on a smooth dose),
2. sums the courses voxel by voxel into a cumulative EQD2 map (α/β 2 Gy, no
   recovery: the conservative default) with ``radcalc.accumulate_courses`` and
   writes it as an RT Dose into $RADCALC_EXAMPLE_OUTPUT,
3. reads DVH metrics of the spinal cord on that map, and compares them with
   the per-structure sum of each course's metric (what is left without
   registration: Dmax + Dmax is an upper bound of the voxel sum's Dmax),
4. writes a plan file naming the files (``rtdose``/``rtstruct`` per course,
   the cord's dose = its D0.03cc) and prints its ``radcalc check`` report.

α/β, doses and fractions are examples, not recommendations.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import radcalc
from radcalc.accumulation import accumulate_courses, sum_structure_metric

HERE = Path(__file__).resolve().parent
OUTPUT = Path(os.environ.get("RADCALC_EXAMPLE_OUTPUT", HERE / "output"))

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
RT_STRUCT = "1.2.840.10008.5.1.4.1.1.481.3"
PATIENT = {"PatientName": "Example^Spine", "PatientID": "EXAMPLE-9"}
STUDY, FRAME = generate_uid(), generate_uid()
SPACING = 2.5  # [mm], the same in x, y and z
X = np.arange(-60.0, 60.1, SPACING)  # voxel centres [mm]
Y = np.arange(-40.0, 60.1, SPACING)
Z = np.arange(-40.0, 40.1, SPACING)


def dose_of_course(peak_gy: float, centre_mm: tuple[float, float], width_mm: float) -> np.ndarray:
    """A smooth dose [Gy] in (z, y, x): a Gaussian ridge along z around a target centre."""
    _, y, x = np.meshgrid(Z, Y, X, indexing="ij")
    r2 = (x - centre_mm[0]) ** 2 + (y - centre_mm[1]) ** 2
    return peak_gy * np.exp(-r2 / (2 * width_mm**2))


def write_rd(path: Path, dose: np.ndarray) -> Path:
    """An RT Dose file (uint32 pixels scaled by DoseGridScaling) of ``dose`` [Gy]."""
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = RT_DOSE, generate_uid(), "RTDOSE"
    for key, value in PATIENT.items():
        setattr(ds, key, value)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, generate_uid()
    ds.FrameOfReferenceUID = FRAME
    ds.ImagePositionPatient = [float(X[0]), float(Y[0]), float(Z[0])]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [SPACING, SPACING]
    ds.NumberOfFrames = len(Z)
    ds.FrameIncrementPointer = pydicom.tag.Tag("GridFrameOffsetVector")
    ds.GridFrameOffsetVector = [float(z - Z[0]) for z in Z]
    ds.Rows, ds.Columns = len(Y), len(X)
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 32
    ds.HighBit, ds.PixelRepresentation = 31, 0
    ds.DoseUnits, ds.DoseType, ds.DoseSummationType = "GY", "PHYSICAL", "PLAN"
    scaling = pydicom.valuerep.format_number_as_ds(float(dose.max()) / (2**32 - 2))
    ds.DoseGridScaling = scaling
    ds.PixelData = np.rint(dose / float(scaling)).astype("<u4").tobytes()
    return _save(path, ds)


def write_rs(path: Path) -> Path:
    """An RT Structure Set: the spinal cord (a cylinder of radius 5 mm) and a vertebral body."""
    ds = Dataset()
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = RT_STRUCT, generate_uid(), "RTSTRUCT"
    for key, value in PATIENT.items():
        setattr(ds, key, value)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = STUDY, generate_uid()
    ds.StructureSetLabel = "example"
    frame = Dataset()
    frame.FrameOfReferenceUID = FRAME
    ds.ReferencedFrameOfReferenceSequence = Sequence([frame])
    shapes = {"SpinalCord": ((0.0, 0.0), 5.0), "Vertebra": ((0.0, 20.0), 14.0)}
    rois, contours = [], []
    for number, (name, (centre, radius)) in enumerate(shapes.items(), start=1):
        roi = Dataset()
        roi.ROINumber, roi.ROIName, roi.ReferencedFrameOfReferenceUID = number, name, FRAME
        rois.append(roi)
        item = Dataset()
        item.ReferencedROINumber = number
        planes = []
        for z in np.arange(-30.0, 30.1, SPACING):  # a contour every 2.5 mm
            angle = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            xyz = np.c_[
                centre[0] + radius * np.cos(angle),
                centre[1] + radius * np.sin(angle),
                np.full(angle.size, z),
            ]
            contour = Dataset()
            contour.ContourGeometricType = "CLOSED_PLANAR"
            contour.NumberOfContourPoints = len(xyz)
            contour.ContourData = [float(v) for v in xyz.ravel()]
            planes.append(contour)
        item.ContourSequence = Sequence(planes)
        contours.append(item)
    ds.StructureSetROISequence = Sequence(rois)
    ds.ROIContourSequence = Sequence(contours)
    return _save(path, ds)


def _save(path: Path, ds: Dataset) -> Path:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta = meta
    pydicom.dcmwrite(path, ds, enforce_file_format=True)
    return path


PLAN = """\
title = "Spine re-irradiation from DICOM files (example)"
constraint_sets = ["nieder2006-cord"]

[[course]]
label = "palliative course"
schedule = "40/20"
interval_to_next = "18m"
rtdose = "course1/RD.dcm"
rtstruct = "course1/RS.dcm"

[[course]]
label = "re-irradiation"
schedule = "25/5"
rtdose = "course2/RD.dcm"
rtstruct = "course2/RS.dcm"

[[organ]]
name = "spinal cord"        # matched to the ROI "SpinalCord" (TG-263)
metric = "D0.03cc"          # the DVH metric that stands for the cord's max dose
alpha_beta = 2
"""


def main() -> dict[str, float]:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        courses = {
            "course1": dose_of_course(42.0, (0.0, 18.0), 16.0),  # 40 Gy in 20 fx
            "course2": dose_of_course(26.0, (4.0, 16.0), 14.0),  # 25 Gy in 5 fx
        }
        for name, dose in courses.items():
            (folder / name).mkdir()
            write_rd(folder / name / "RD.dcm", dose)
            write_rs(folder / name / "RS.dcm")
        print(f"1. wrote RD.dcm and RS.dcm of two courses into {folder}")

        grids = [radcalc.read_rtdose(folder / n / "RD.dcm") for n in courses]
        cord = [radcalc.read_rtstruct(folder / n / "RS.dcm")["SpinalCord"] for n in courses]

        total = accumulate_courses(
            grids, fractions=[20, 5], intervals_months=[18], alpha_beta=2, recovery="none"
        )
        out = OUTPUT / "RD_cumulative_eqd2.dcm"
        radcalc.write_rtdose(
            out,
            total.grid,
            like=grids[-1],
            description="sum EQD2 LQ a/b 2 Gy 20+5 fx",
            sources=grids,
            derivation=total.describe().replace("\n", "; "),
        )
        print("\n2. " + total.describe())
        print(f"   wrote {out.name}")

        voxel = radcalc.dvh(total.grid, cord[-1])
        metrics = voxel.metrics(["Dmax", "D0.03cc", "D2cc", "V50Gy%"])
        print("\n3. spinal cord on the cumulative EQD2 map (voxel sum):")
        for name, value in metrics.items():
            unit = "%" if name.endswith("%") and name.startswith("V") else "Gy"
            print(f"   {name:8s} {value:7.2f} {unit}")
        bound = sum_structure_metric(
            list(zip(grids, cord, strict=True)),
            "Dmax",
            fractions=[20, 5],
            intervals_months=[18],
            alpha_beta=2,
        )
        print("   without registration: " + bound.describe())

        plan_file = folder / "plan.toml"
        plan_file.write_text(PLAN, encoding="utf-8")
        report = radcalc.check_plan(plan_file)
        print(f"\n4. radcalc check {plan_file.name}\n")
        print(report.text(100))
    return {
        "voxel_dmax": metrics["Dmax"],
        "voxel_d003": metrics["D0.03cc"],
        "sum_of_dmax": bound.total,
        "ok": float(report.ok),
    }


if __name__ == "__main__":
    main()
