"""Types shared by the readers: read options, the dialect found on a sample, and the not-a-table error."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from typing import TypeAlias, cast

import pandas as pd
import pyarrow as pa

from .column_slices import ColumnSlice

# Every column handed to the profiler has this dtype: Arrow-backed strings whose missing value is <NA>.
STRING_DTYPE = pd.StringDtype("pyarrow")

MIB = 1024 * 1024
# The longest line a reader takes, about Snowflake's 16 MB limit on a field: a 16.7 MB line among 200,000 short
# CSV rows peaked at 350 MiB resident (the 512 MiB budget), a 60 MB one at 600 MiB; a 100 MB JSON Lines line
# at 900 MiB. A longer line is left out and reported (ParseReport.long_lines).
MAX_LINE_BYTES = 16 * MIB
# The most columns a table is profiled on by default (ReadOptions.max_columns), for the processor's memory: each
# column costs tens of KiB while it is profiled (Arrow's parse of a block, its statistics and sketches, its part of
# the report). A wider table is profiled on its first columns, the others reported as left out
# (ParseReport.columns_left_out). Processor peaks on ~270 MB CSVs (idle 232 MiB): 2,000 x 12,000 460 MiB, 3,000 x
# 8,000 499 MiB, 4,000 x 6,000 533 MiB (a 5,000 x 1,000 CSV, every column profiled: 550 MiB).
MAX_COLUMNS = 2_000
# JSON Lines, Parquet and Excel chunks hold at most this many cells (ReadOptions.chunk_rows rows of a narrow table):
# a chunk is made whole before it is profiled, and 50,000 rows of a 1,000-column Parquet file peaked at 1.8 GiB.
CHUNK_CELLS = 1_000_000
# The Parquet pages a reader may hold at once, by their estimate (structured.py): a file whose columns' pages need
# more is read in column passes (column_slices.py), each holding a quarter of it. The engine's peak grows by about
# twice the estimate (a 1,000-column file of 10,000-row groups, engine alone, 2026-12-08: passes of 16 MiB 355 MiB,
# of 32 MiB 428, of 128 MiB 618, in one pass 697; its CSV 345). Narrow passes cost a wide file nothing, its slices
# holding as many cells as a chunk (faster: 24 -> 14 s, longer columns a slice). A tall file's passes cost it the
# second read of its row groups for the sample: the bench's 100 MiB CSV as Parquet, 7 columns of 5 MiB pages each,
# 0.9-1.0 s in one pass and 1.2-1.5 s in passes of 16 MiB, so it stays one pass; three times its columns side by
# side (21 columns, 138 MB, 105 MiB of pages by the estimate): 2.4-2.5 s and 346-358 MiB in one pass, 3.0-3.1 s
# and 250-256 MiB in passes.
PARQUET_PAGE_BUDGET = 64 * MIB


def chunk_rows_for(width: int, chunk_rows: int) -> int:
    """Rows per chunk of a table `width` columns wide: `chunk_rows`, fewer where that passes CHUNK_CELLS."""
    return max(1, min(chunk_rows, CHUNK_CELLS // max(1, width)))


class NotATableError(ValueError):
    """The upload is not a table at all; the message is written for the person who uploaded it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReadOptions:
    """What the caller knows or wants; empty/None fields are detected from a sample."""

    delimiter: str = ""
    quotechar: str = ""
    has_header: bool | None = None
    encoding: str = ""  # a Python codec name, e.g. "latin-1"; "" detects
    decimal: str = ""  # the decimal mark of delimited text, "." or ","; "" detects
    # Whether D/M/YYYY dates put the day first, in any format; None detects it from a delimited file's sample
    # (other formats then read month first).
    day_first: bool | None = None
    # Bytes per Arrow CSV block, so roughly per chunk: reading and profiling at 8 MiB is as fast as at 16 MiB
    # with about 100 MiB less peak memory (4 MiB: slower, for 50 MiB less).
    block_size: int = 8 * MIB
    chunk_rows: int = 50_000  # rows per chunk for jsonl, xlsx and parquet (fewer for a wide table: CHUNK_CELLS)
    sample_bytes: int = MIB  # how much is peeked for format, encoding and dialect detection
    max_columns: int = MAX_COLUMNS  # columns profiled, the first ones; the others are left out and reported
    parquet_page_budget: int = PARQUET_PAGE_BUDGET  # past it, a Parquet file is read in column passes

    def __post_init__(self) -> None:
        _check_one_byte(self.delimiter, self.quotechar)
        if self.decimal not in ("", ".", ","):
            raise ValueError("decimal is '.' or ','")
        if self.block_size < 1024 or self.chunk_rows < 1 or self.sample_bytes < 1024 or self.max_columns < 1:
            raise ValueError(
                "block_size and sample_bytes must be at least 1 KiB, chunk_rows and max_columns at least 1"
            )


def _check_one_byte(delimiter: str, quotechar: str) -> None:
    """Arrow's CSV parser reads a one-byte delimiter and quote: one ASCII character each (or none)."""
    if len(delimiter) > 1 or len(quotechar) > 1 or not (delimiter + quotechar).isascii():
        raise ValueError(f"delimiter and quotechar are single ASCII characters, not {delimiter!r} and {quotechar!r}")


@dataclass(frozen=True)
class Dialect:
    """How a delimited file is written, found on part 0's sample and passed to every byte-range part."""

    format: str  # csv or tsv
    encoding: str  # codec the transcoder uses: utf-8, utf-8-sig, utf-16-le, utf-16-be, cp1252, ...
    delimiter: str
    quotechar: str  # "" when the file has no quoting
    has_header: bool
    columns: tuple[str, ...]
    encoding_fallback: bool = False
    splittable: bool = True
    bom: int = 0  # bytes of byte-order mark at offset 0
    decimal: str = "."  # the decimal mark of the numbers: "." or ","
    day_first: bool = False  # dates written D/M/YYYY put the day first (13/01/2020), as the sample's showed
    sep_line: bool = False  # the file starts with Excel's "sep=X" line (before the header), which names the delimiter
    preamble: int = 0  # lines above the header (after any sep line) that are not the table: titles, notes, blanks
    data_start: int = 0  # bytes before the first data row (splittable files): no part may begin before it
    # A lone \r ends a line as \n does, as Arrow reads it: lines end so (classic Mac OS), or some stray ones do.
    bare_cr: bool = False
    header_lines: int = 1  # the header's physical lines: more when a header cell holds a line break

    def __post_init__(self) -> None:
        _check_one_byte(self.delimiter, self.quotechar)

    @property
    def lines_before_data(self) -> int:
        """Lines part 0 skips before its first data row."""
        return int(self.sep_line) + self.preamble + (self.header_lines if self.has_header else 0)

    def to_dict(self) -> dict[str, object]:
        """The dialect as split files' parts carry it. `header_lines` only when not 1 (a split file's header has no
        line break): processors of the version before, which do not know it, read the parts of a rolling upgrade."""
        data = asdict(self)
        if data["header_lines"] == 1:
            del data["header_lines"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Dialect:
        """A dialect from `to_dict`; keys a later version added are left out."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["columns"] = tuple(cast(Iterable[str], values.get("columns", ())))
        return cls(**values)  # type: ignore[arg-type]


def _string_mapper(arrow_type: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return STRING_DTYPE
    return None


# A chunk of rows as a reader gives it: Arrow where the reader parsed into Arrow (delimited text, Parquet), else a
# DataFrame; every column text (string or large_string; STRING_DTYPE in a DataFrame). A wide Parquet file's rows
# come in slices of their columns (column_slices.py).
Chunk: TypeAlias = pd.DataFrame | pa.RecordBatch | pa.Table | ColumnSlice


def as_frame(chunk: Chunk) -> pd.DataFrame:
    if isinstance(chunk, ColumnSlice):
        raise TypeError("a table read in column passes has no whole rows to give: profile its chunks()")
    return chunk if isinstance(chunk, pd.DataFrame) else to_frame(chunk)


def to_frame(data: pa.RecordBatch | pa.Table) -> pd.DataFrame:
    """An Arrow batch of string columns as a DataFrame of STRING_DTYPE columns, without copying the strings."""
    return data.to_pandas(types_mapper=_string_mapper)


def unique_names(names: list[str]) -> list[str]:
    """Header cells as column names: blanks become column_<i>, repeats get .1, .2 (as pandas does)."""
    seen: set[str] = set()
    out: list[str] = []
    for i, raw in enumerate(names, start=1):
        name = raw.strip() or f"column_{i}"
        candidate, k = name, 0
        while candidate in seen:
            k += 1
            candidate = f"{name}.{k}"
        seen.add(candidate)
        out.append(candidate)
    return out
