"""Benchmark ``radcalc.check_cohort`` on dask.distributed: 1 vs 2 workers, and the serial loop.

A synthetic cohort (tests/cohort_factory.py): 16 patients, each with 2
courses of RT Dose (60 x 60 x 60 voxels of 2 mm) and RT Structure Set files
and a plan file; a patient takes about half a second (two DVHs per course,
the constraint check). In the same run, interleaved, each repeat times

* the serial loop ``[evaluate_plan(p) for p in plans]`` (the baseline),
* ``check_cohort(plans, client=...)`` on a LocalCluster of 1 worker process,
* the same on a LocalCluster of 2 worker processes (one thread each),

with the clusters started (and their workers' imports warmed) beforehand:
cluster start-up is printed apart. Printed: the medians, the time per
patient, the speed-up of 2 workers over 1 (the goal on 2 idle cores is
>= 1.8x; other processes on the machine lower it), and the CPU share each
worker got (its CPU seconds per second of the run: about 1 on idle cores) with
the load average, which tell a busy machine from a slow cohort. Nothing is
asserted.
Run ``python benchmarks/bench_cohort.py`` (``--quick``: 4 patients, small
grids, one repeat, as CI does).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cohort_factory import write_cohort  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from radcalc.cohort import _local_cluster, check_cohort, evaluate_plan  # noqa: E402


def _warm() -> None:
    """Import what a task needs, on a worker, before the clock starts."""
    import radcalc.check
    import radcalc.cohort
    import radcalc.dicom.rtdose
    import radcalc.dicom.rtstruct
    import radcalc.dosevolume.histogram  # noqa: F401


def _cluster(workers: int) -> tuple[LocalCluster, Client, float]:
    start = time.perf_counter()
    cluster = _local_cluster(workers)  # the cluster check_cohort starts without a client
    client = Client(cluster)
    client.run(_warm)
    return cluster, client, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="4 patients, small grids")
    options = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.WARNING)  # no INFO line per start/stop
    patients = 4 if options.quick else 16
    size = 12 if options.quick else 60
    repeats = 1 if options.quick else 3
    with tempfile.TemporaryDirectory() as folder:
        plans = write_cohort(Path(folder), patients, size=size)
        serial_rows = [row for plan in plans for row in evaluate_plan(plan)]  # warm, reference
        one, two = _cluster(1), _cluster(2)
        try:
            times: dict[str, list[float]] = {"serial": [], "1 worker": [], "2 workers": []}
            # CPU time the workers got per second of the run and per worker: about 1
            # on idle cores; well below 1 when other processes compete for them.
            shares: dict[str, list[float]] = {"1 worker": [], "2 workers": []}
            load = os.getloadavg()[0]
            for _ in range(repeats):
                start = time.perf_counter()
                for plan in plans:
                    evaluate_plan(plan)
                times["serial"].append(time.perf_counter() - start)
                for label, (_, client, _) in (("1 worker", one), ("2 workers", two)):
                    cpu = client.run(time.process_time)
                    start = time.perf_counter()
                    result = check_cohort(plans, client=client, progress=False)
                    wall = time.perf_counter() - start
                    times[label].append(wall)
                    used = sum(client.run(time.process_time).values()) - sum(cpu.values())
                    shares[label].append(used / (wall * len(cpu)))
                    if result.rows != serial_rows:
                        raise SystemExit(f"{label}: rows differ from the serial loop")
        finally:
            for cluster, client, _ in (one, two):
                client.close()
                cluster.close()
    median = {label: statistics.median(t) for label, t in times.items()}
    print(
        f"{patients} synthetic patients x 2 DICOM courses ({size}^3 voxels of 2 mm each); "
        f"median of {repeats} interleaved repeat(s); rows identical to the serial loop"
    )
    print(f"cluster start-up (not timed below): 1 worker {one[2]:.2f} s, 2 workers {two[2]:.2f} s")
    print(
        f"{'case':<12}{'total [s]':>11}{'per patient [s]':>17}{'vs serial':>11}"
        f"{'CPU share per worker':>22}"
    )
    for label, t in median.items():
        share = f"{statistics.median(shares[label]):.2f}" if label in shares else ""
        print(f"{label:<12}{t:>11.3f}{t / patients:>17.3f}{t / median['serial']:>11.2f}{share:>22}")
    speedup = median["1 worker"] / median["2 workers"]
    print(f"speed-up 2 workers / 1 worker: {speedup:.2f}x (goal >= 1.8x on 2 idle cores)")
    print(
        f"load average (1 min) before / after: {load:.2f} / {os.getloadavg()[0]:.2f} on "
        f"{os.cpu_count()} cores (a CPU share well below 1 means the cores were not idle)"
    )


if __name__ == "__main__":
    main()
