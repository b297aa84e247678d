"""Dose-volume topic: DVH metrics (:mod:`~radcalc.dosevolume.metrics`) and DVHs
(:mod:`~radcalc.dosevolume.histogram`).

No pydicom here: DICOM files are read in :mod:`radcalc.dicom`.
"""

from radcalc.dosevolume.histogram import DVH
from radcalc.dosevolume.metrics import Metric, parse_metric

__all__ = ["DVH", "Metric", "parse_metric"]
