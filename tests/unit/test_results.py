"""What the processor stores for the listings and the CLI's table and CSV, from a column's profile."""

import json
import math

import pandas as pd

from services.processor.engine import profile_dataframe
from services.processor.results import column_result
from sluice.convert import column_to_proto
from sluice.v1 import profile_pb2


def test_a_column_of_infinities_only_has_no_minimum_or_maximum_not_nan():
    """Its finite minimum and maximum do not exist: "nan" was stored, shown in the table and written to the CSV."""
    profile = profile_dataframe(pd.DataFrame({"v": ["inf", "inf", "-inf"], "n": ["1", "2", "inf"]}, dtype="string"))
    only_infinite, some = column_result(profile.column("v")), column_result(profile.column("n"))
    assert (only_infinite.min_value, only_infinite.max_value, only_infinite.mean) == (None, None, None)
    assert (some.min_value, some.max_value) == ("1.0", "2.0")


def _served(frame: pd.DataFrame) -> dict[str, profile_pb2.ColumnProfile]:
    """The columns as the status service serves them: stored as JSON (as PostgreSQL's jsonb keeps it), read back
    into protobuf."""
    profile = profile_dataframe(frame)
    served = {}
    for column in profile.column_profiles:
        result = column_result(column)
        row = {
            "name": result.name,
            "position": result.position,
            "inferred_type": result.inferred_type,
            "count": result.count,
            "missing": result.missing,
            "distinct_count": result.distinct,
            "distinct_approximate": result.distinct_approximate,
            "min_value": result.min_value,
            "max_value": result.max_value,
            "mean": result.mean,
            "detail": json.loads(json.dumps(dict(result.detail), allow_nan=False)),
        }
        served[column.name] = column_to_proto(row)
    return served


def test_text_spelling_inf_stays_text_and_only_numbers_are_infinite():
    """The engine writes an infinite statistic as "inf" (JSON has no infinity) and protobuf's JSON reads
    "Infinity": every "inf" string was turned into "Infinity", top values and examples too."""
    words = ["inf", "inf", "-inf", "abc", "x", "y", "z", "w", "v", "u"]  # text: too few numbers to be a float
    served = _served(pd.DataFrame({"word": words, "big": ["1e308", "1e308", "1.5e308"] + ["1"] * 7}, dtype="string"))
    assert served["word"].inferred_type in ("categorical", "text")
    assert [(t.value, t.count) for t in served["word"].top_values][:2] == [("inf", 2), ("-inf", 1)]
    assert math.isinf(served["big"].numeric.sum) and served["big"].numeric.sum > 0  # 3.5e308 overflows
