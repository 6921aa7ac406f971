"""Quality score, 0-100: a weighted mean of four components, each between 0 and 1.

  completeness = 1 - missing cells / (rows x columns)
  validity     = 1 - invalid values / present values       (values not fitting their column's inferred type, or
                                                           for a text column mostly of one type, that type)
  uniqueness   = 1 - duplicate rows / rows
  parse_health = (1 - min(1, problem rows / records)) x (0.9 if the encoding fell back else 1)
                                                           (problem rows: ragged, unterminated quote, bad bytes,
                                                           records left out; records: rows and those left out)
  score        = 100 x sum(weight_i x component_i) / sum(weight_i), rounded to 2 decimals

A component with nothing to measure is 0, not a perfect 1: a table without rows has no completeness, validity or
uniqueness, and one without a present value no validity (a header-only file scored 100, a table of nothing but
empty cells had a validity of 100%). Parse health has nothing to measure only when nothing was read: it stays 1,
so an empty file scores 100 x weight_parse_health / sum of weights (20). Weights are ProfileConfig.weight_*.
"""

from __future__ import annotations

from collections.abc import Sequence

from .config import ProfileConfig
from .model import ColumnProfile, QualityScore
from .parse_report import ParseReport


def quality_score(
    rows: int,
    columns: Sequence[ColumnProfile],
    duplicate_rows: int,
    parse: ParseReport | None,
    config: ProfileConfig,
) -> QualityScore:
    cells = rows * len(columns)
    missing = sum(c.missing for c in columns)
    present = sum(c.present for c in columns)
    invalid = sum(c.invalid for c in columns)
    completeness = 1.0 - missing / cells if cells else 0.0
    validity = 1.0 - invalid / present if present else 0.0
    uniqueness = 1.0 - duplicate_rows / rows if rows else 0.0
    parse_health = 1.0
    if parse is not None:
        if parse.records:  # the rows read and the records left out (a JSON Lines line holding no object)
            parse_health = 1.0 - min(1.0, parse.problem_rows / parse.records)
        if parse.encoding_fallback:
            parse_health *= 0.9
    weights = {
        "completeness": config.weight_completeness,
        "validity": config.weight_validity,
        "uniqueness": config.weight_uniqueness,
        "parse_health": config.weight_parse_health,
    }
    parts = {"completeness": completeness, "validity": validity, "uniqueness": uniqueness, "parse_health": parse_health}
    total = sum(weights.values())
    score = 100.0 * sum(weights[k] * parts[k] for k in parts) / total if total else 100.0
    return QualityScore(round(score, 2), completeness, validity, uniqueness, parse_health, weights)
