"""Check a re-irradiation plan against the consensus constraint sets.

Runs radcalc.check_plan on examples/plans/npc_reirradiation.toml, prints the
report, then checks two variants of the same plan that the Li 2024 consensus
flags (60 Gy in 27 fractions: > 2 Gy per fraction; a second course 4 months
after the first: latency). Writes the JSON reports into
$RADCALC_EXAMPLE_OUTPUT (default: examples/output/).

This script always exits 0: it demonstrates the reports, it does not gate on
them. Use ``radcalc check PLAN`` (exit status 3 when a rule FAILs) in scripts
and CI pipelines.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import radcalc

HERE = Path(__file__).resolve().parent
PLAN_FILE = HERE / "plans" / "npc_reirradiation.toml"
OUTPUT = Path(os.environ.get("RADCALC_EXAMPLE_OUTPUT", HERE / "output"))


def main() -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)

    report = radcalc.check_plan(PLAN_FILE)
    print(report)
    print()

    # Variants of the same plan, built from the loaded one.
    plan = radcalc.load_plan(PLAN_FILE)
    newest = plan.newest
    variants = {
        "60-27-daily": dataclasses.replace(
            plan,
            courses=(
                *plan.courses[:-1],
                dataclasses.replace(newest, schedule=radcalc.parse_schedule("60/27")),
            ),
        ),
        "interval-4-months": dataclasses.replace(plan, intervals_months=(4.0,)),
    }
    reports = {"as-planned": report}
    for name, variant in variants.items():
        reports[name] = radcalc.check_plan(variant)
        flagged = [
            f"{row.set_name}:{row.rule_id} ({row.status})"
            for row in reports[name].rows
            if row.status in ("FAIL", "WARN")
        ]
        print(f"{name}: ok={reports[name].ok}; flagged: {', '.join(flagged) or 'nothing'}")

    for name, result in reports.items():
        path = OUTPUT / f"check_{name}.json"
        path.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
