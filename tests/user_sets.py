"""A user's own constraint file, shared by the tests (the schema of radcalc.constraints)."""

from __future__ import annotations


def user_set_toml(
    name: str = "my-clinic-cord", organ: str = "spinal cord", limit: float = 50.0
) -> str:
    """A valid constraint file with one cumulative-EQD2 organ rule (numbers are test values)."""
    return f"""
format = "radcalc-constraints-1"
name = "{name}"
title = "Our {organ} limit"

[source]
authors = "Our physics group"
title = "Local protocol"
journal = "internal document"
year = 2025
table_page = "section 3"
status = "verified"

[[rule]]
id = "cumulative-dmax"
applies_to = "{organ}"
quantity = "cumulative-eqd2"
comparator = "<="
limit = {limit!r}
unit = "Gy"
alpha_beta = 2.0
alpha_beta_assumed = false
severity = "violation"
kind = "recommended-limit"
quote = "cumulative {organ} Dmax <= {limit:g} Gy EQD2"
verbatim = false
"""
