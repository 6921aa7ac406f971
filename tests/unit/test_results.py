"""What the processor stores for the listings and the CLI's table and CSV, from a column's profile."""

import pandas as pd

from services.processor.engine import profile_dataframe
from services.processor.results import column_result


def test_a_column_of_infinities_only_has_no_minimum_or_maximum_not_nan():
    """Its finite minimum and maximum do not exist: "nan" was stored, shown in the table and written to the CSV."""
    profile = profile_dataframe(pd.DataFrame({"v": ["inf", "inf", "-inf"], "n": ["1", "2", "inf"]}, dtype="string"))
    only_infinite, some = column_result(profile.column("v")), column_result(profile.column("n"))
    assert (only_infinite.min_value, only_infinite.max_value, only_infinite.mean) == (None, None, None)
    assert (some.min_value, some.max_value) == ("1.0", "2.0")
