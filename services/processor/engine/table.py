"""The table profiler: feed chunks, merge partial profilers, serialise them, finish into a TableProfile.

Rows are identified by a 64-bit hash of their values (see hashing.py; a null and a missing column hash alike).
Duplicate rows = rows - distinct row hashes: exact while at most `exact_duplicate_limit` distinct hashes are seen
(row_hashes.py), beyond a HyperLogLog sketch of the hashes (hll.py, DataSketches; marked approximate).

The correlation sample keeps the `correlation_sample_size` rows whose seeded hash (splitmix64 of row hash xor
seed) is smallest: deterministic, independent of chunking and part order, and exactly mergeable (the bottom-k of
a union is the bottom-k of the parts' bottom-ks). Identical rows share a priority; which copy is kept does not
matter. While the table has no more rows than the sample size, the sample is the whole table. Once the sample is
full, only rows whose priority is below its largest can enter it, so later chunks add few rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import codec
from .alerts import column_alerts, table_alerts
from .column import ColumnAccumulator
from .config import ProfileConfig
from .correlations import compute as compute_correlations
from .hashing import combine, splitmix64
from .model import TableProfile
from .parse_report import ParseReport
from .quality import quality_score
from .row_hashes import DistinctRowHashes, sorted_distinct


def _to_arrow(series: pd.Series) -> pa.Array:
    values = series.array
    if hasattr(values, "__arrow_array__"):
        array = values.__arrow_array__()
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
    else:
        array = pa.array(series.astype(object), from_pandas=True)
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    return array


class TableProfiler:
    """Streaming, mergeable table profile. `update` each chunk (a DataFrame of string columns), then `finish`."""

    def __init__(self, config: ProfileConfig | None = None) -> None:
        self.config = config or ProfileConfig()
        self.columns: list[ColumnAccumulator] | None = None
        self.rows = 0
        self.distinct_rows = DistinctRowHashes(self.config.exact_duplicate_limit, self.config.hll_lg_k)
        self.sample = pd.DataFrame()
        self.sample_priority = np.zeros(0, np.uint64)

    def _init_columns(self, names: list[str]) -> None:
        if self.columns is None:
            config = self.config.for_columns(len(names))
            self.columns = [ColumnAccumulator(name, i, config) for i, name in enumerate(names)]
            self.sample = pd.DataFrame({name: pd.Series([], dtype="string") for name in names})
        elif [c.name for c in self.columns] != names:
            raise ValueError(f"chunk columns {names} differ from {[c.name for c in self.columns]}")

    def update(self, chunk: pd.DataFrame) -> None:
        names = [str(n) for n in chunk.columns]
        self._init_columns(names)
        assert self.columns is not None
        n = len(chunk)
        if n == 0:
            return
        self.rows += n
        row_hashes = np.zeros(n, np.uint64)
        for column, (_, series) in zip(self.columns, chunk.items(), strict=True):
            row_hashes = combine(row_hashes, column.update(_to_arrow(series)))
        self.distinct_rows.add(sorted_distinct(row_hashes))
        priority = splitmix64(row_hashes ^ np.uint64(self.config.sample_seed))
        k = self.config.correlation_sample_size
        keep = np.arange(n)
        if len(self.sample_priority) >= k:  # full: only rows below its largest priority can enter
            keep = np.flatnonzero(priority < self.sample_priority[-1])
        if len(keep) > k:
            keep = keep[np.argpartition(priority[keep], k - 1)[:k]]
        if len(keep):
            rows = chunk.iloc[keep].astype("string")
            rows.columns = names
            self._add_sample(rows.reset_index(drop=True), priority[keep])

    def _add_sample(self, rows: pd.DataFrame, priority: np.ndarray) -> None:
        if len(self.sample):
            rows = pd.concat([self.sample, rows], ignore_index=True)
            priority = np.concatenate([self.sample_priority, priority])
        order = np.argsort(priority, kind="stable")[: self.config.correlation_sample_size]
        self.sample = rows.iloc[order].reset_index(drop=True)
        self.sample_priority = priority[order]

    def merge(self, other: TableProfiler) -> None:
        """Fold in the profiler of another part of the same table (same columns)."""
        if other.columns is None:
            return
        if self.columns is None:
            self._init_columns([c.name for c in other.columns])
        assert self.columns is not None
        if [c.name for c in self.columns] != [c.name for c in other.columns]:
            raise ValueError("cannot merge profiles of tables with different columns")
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            mine.merge(theirs)
        self.rows += other.rows
        self.distinct_rows.merge(other.distinct_rows)
        if len(other.sample):
            self._add_sample(other.sample, other.sample_priority)

    @property
    def duplicates_approximate(self) -> bool:
        return self.distinct_rows.approximate

    def duplicate_rows(self) -> int:
        return max(0, self.rows - self.distinct_rows.count())

    def finish(self, parse_report: ParseReport | None = None) -> TableProfile:
        c = self.config
        columns = [col.finish() for col in self.columns or []]
        duplicates = self.duplicate_rows()
        correlations = compute_correlations(self.sample, columns, c)
        alerts = [a for col in columns for a in column_alerts(col, c)]
        alerts += table_alerts(self.rows, duplicates, correlations, parse_report, c)
        cells = self.rows * len(columns)
        missing = sum(col.missing for col in columns)
        return TableProfile(
            rows=self.rows,
            columns=len(columns),
            missing_cells=missing,
            missing_cells_share=missing / cells if cells else 0.0,
            duplicate_rows=duplicates,
            duplicates_approximate=self.duplicates_approximate,
            column_profiles=tuple(columns),
            correlations=tuple(correlations),
            correlations_sampled=self.rows > len(self.sample),
            correlation_sample_size=len(self.sample),
            alerts=tuple(alerts),
            quality=quality_score(self.rows, columns, duplicates, parse_report, c),
            parse=parse_report.to_dict() if parse_report is not None else {},
        )

    def to_bytes(self) -> bytes:
        state: dict[str, Any] = {
            "rows": self.rows,
            "columns": [col.to_state() for col in self.columns] if self.columns is not None else None,
            "row_hashes": self.distinct_rows.exact(),
            "row_hll": self.distinct_rows.hll.state if self.distinct_rows.hll is not None else None,
            "sample": {name: self.sample[name].to_numpy(dtype=object, na_value=None) for name in self.sample.columns},
            "sample_priority": self.sample_priority,
        }
        return codec.dumps(state)

    @classmethod
    def from_bytes(cls, blob: bytes, config: ProfileConfig | None = None) -> TableProfiler:
        state = codec.loads(blob)
        profiler = cls(config)
        profiler.rows = state["rows"]
        if state["columns"] is not None:
            config = profiler.config.for_columns(len(state["columns"]))
            profiler.columns = [ColumnAccumulator.from_state(s, config) for s in state["columns"]]
        c = profiler.config
        profiler.distinct_rows = DistinctRowHashes.from_state(
            c.exact_duplicate_limit, c.hll_lg_k, state["row_hashes"], state["row_hll"]
        )
        profiler.sample = pd.DataFrame({k: pd.Series(_objects(v), dtype="string") for k, v in state["sample"].items()})
        profiler.sample_priority = state["sample_priority"]
        return profiler


def _objects(values: pa.Array | np.ndarray) -> np.ndarray:
    """Text of a state as an object array (states of version 1 hold numpy arrays already)."""
    return values.to_numpy(zero_copy_only=False) if isinstance(values, pa.Array) else values


def profile_dataframe(
    df: pd.DataFrame, config: ProfileConfig | None = None, parse_report: ParseReport | None = None
) -> TableProfile:
    """Profile a whole DataFrame in one go (any dtypes: values are profiled as their text)."""
    text = df.astype("string") if not all(isinstance(t, pd.StringDtype) for t in df.dtypes) else df
    profiler = TableProfiler(config)
    profiler.update(text)
    return profiler.finish(parse_report)
