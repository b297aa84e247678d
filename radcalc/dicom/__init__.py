"""DICOM RT objects in and out: the only place radcalc imports pydicom.

* :mod:`radcalc.dicom.rtstruct`: :func:`~radcalc.dicom.rtstruct.read_rtstruct`
  turns an RT Structure Set into a :class:`~radcalc.structures.StructureSet`.
* :mod:`radcalc.dicom.rtdose`: :func:`~radcalc.dicom.rtdose.read_rtdose` turns
  an RT Dose file into a :class:`~radcalc.grid.DoseGrid`;
  :func:`~radcalc.dicom.rtdose.write_rtdose` writes a derived dose (EQD2/BED
  map, sum of courses) that planning systems load.

Every reader goes through :func:`radcalc._files.read_bytes` (regular files up to
a size bound) and raises :class:`~radcalc.errors.InvalidInputError` naming the
file and the problem.
"""
