"""The profiling engine: pure computation over table chunks, no service I/O.

reader = open_table(stream, file_name=name)           # reading.py: sniffs the format, encoding and dialect
profiler = TableProfiler(ProfileConfig().as_read(reader.report))  # the file's decimal mark and date order
for chunk in reader.chunks(): profiler.update(chunk)  # Arrow tables or DataFrames of text columns
for chunk in gathered(reader.chunks()): ...       # a wide table's short chunks joined (fewer calls per cell)
with column_pool(2) as pool: profiler.update(chunk, pool)  # a long chunk's columns on two threads
profiler.merge(TableProfiler.from_bytes(blob))    # parts profiled elsewhere
profile = profiler.finish(parse_report)           # TableProfile; profile.to_dict() is JSON-ready
"""

from .config import DEFAULT_NA_TOKENS, ProfileConfig
from .gather import gathered
from .model import (
    Alert,
    ColumnProfile,
    Correlation,
    DatetimeProfile,
    Histogram,
    NumericProfile,
    QualityScore,
    TableProfile,
    TextProfile,
    TopValue,
)
from .parse_report import ParseIssue, ParseReport
from .table import TableProfiler, column_pool, column_threads, profile_dataframe

__all__ = [
    "DEFAULT_NA_TOKENS",
    "Alert",
    "ColumnProfile",
    "Correlation",
    "DatetimeProfile",
    "Histogram",
    "NumericProfile",
    "ParseIssue",
    "ParseReport",
    "ProfileConfig",
    "QualityScore",
    "TableProfile",
    "TableProfiler",
    "TextProfile",
    "TopValue",
    "column_pool",
    "column_threads",
    "gathered",
    "profile_dataframe",
]
