"""Correlations between columns, computed on the profiler's row sample.

Pearson and Spearman between integer/float columns over pairwise-complete rows (values that do not parse as
numbers are left out): Pearson by pandas' DataFrame.corr, Spearman by a compiled pass that gives pandas' result to
the bit (_kernels.spearman_matrix: pandas sorts a pair's rows again whenever the two columns miss different rows).
Cramér's V between categorical/boolean columns with at most `cramers_max_distinct` categories, bias-corrected as
Bergsma (2013) and ydata-profiling: V = sqrt(max(0, chi2 / n - (r - 1)(c - 1) / (n - 1)) / (min(r~, c~) - 1)) with
r~ = r - (r - 1)^2 / (n - 1), likewise c~, over the contingency table of rows where both are present.
The sample is every row while the table has at most `correlation_sample_size` rows (exact), else a bottom-k hash
sample of that many rows, fewer for a wide table (`correlation_sample_cells`; see row_sample.py).
Pairs grow with the square of the columns, so only the first `correlation_max_columns` columns (in file order) of
each kind take part, found among the first `correlation_sample_columns` (the sampled ones). Numbers are read as the
column profile reads them (a decimal comma where the file writes one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _kernels
from .config import ProfileConfig
from .missing import MissingValues
from .model import ColumnProfile, Correlation
from .types import parse


def _codes(values: pa.Array, missing: MissingValues, *, boolean: bool) -> np.ndarray:
    """Category codes of the present values, -1 for the others. A boolean column's values are coded by what they
    say, as its profile counts them: "True", "yes" and "Y" are one category (each spelling was one before, so a
    column written two ways split its rows and hid a perfect association)."""
    text, present = missing.present(values)
    if boolean:
        parsed = parse(text)
        said = pa.array(np.where(parsed.boolean_true, "true", "false"), pa.string())
        text = pc.if_else(pa.array(parsed.boolean), said, text)
    codes = pc.dictionary_encode(text).indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return np.where(present, codes, -1)


def _numbers(values: pa.Array, missing: MissingValues, config: ProfileConfig) -> np.ndarray:
    """The values as the column profile reads numbers (types.parse, trimmed, the file's decimal mark); NaN for
    missing values (an NA token such as "-999" too) and values that are no number. One compiled pass, where
    pandas' to_numeric took about 5 ms a column of the 20,000-row sample."""
    text, present = missing.present(values)
    parsed = parse(text, decimal=config.decimal)
    return np.where(present & (parsed.integer | parsed.float_only), parsed.numbers, np.nan)


def compute(
    sample: Mapping[str, pa.Array], columns: Sequence[ColumnProfile], config: ProfileConfig
) -> list[Correlation]:
    """`sample`: the sampled rows' text by column name (large_string, nulls where a value is missing)."""
    result: list[Correlation] = []
    columns = [c for c in columns if c.name in sample]
    numeric = [c.name for c in columns if c.inferred_type in ("integer", "float")][: config.correlation_max_columns]
    rows = len(next(iter(sample.values()))) if sample else 0
    missing = MissingValues(config.na_tokens)
    if len(numeric) >= 2 and rows:
        values = np.vstack([_numbers(sample[name], missing, config) for name in numeric])
        values[~np.isfinite(values)] = np.nan  # infinities count as missing, as pandas' corr treats them
        matrices = {"pearson": pd.DataFrame(values.T).corr().to_numpy(), "spearman": spearman(values)}
        for method, matrix in matrices.items():
            # By position in the matrix's array: matrix.loc cost ~40 us a pair (0.1 s of a 400-column file's finish).
            for i, a in enumerate(numeric):
                for j in range(i + 1, len(numeric)):
                    value = float(matrix[i, j])
                    if not math.isnan(value):
                        result.append(Correlation(method, a, numeric[j], value))
    categorical = [
        c
        for c in columns
        if c.inferred_type in ("categorical", "boolean") and 2 <= c.distinct <= config.cramers_max_distinct
    ][: config.correlation_max_columns]
    codes = {c.name: _codes(sample[c.name], missing, boolean=c.inferred_type == "boolean") for c in categorical}
    names = [c.name for c in categorical]
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            v = cramers_v(codes[a], codes[b])
            if v is not None:
                result.append(Correlation("cramers_v", a, b, v))
    return result


def spearman(columns: np.ndarray) -> np.ndarray:
    """The Spearman correlation matrix of `columns` (one column per row; NaN or infinite where missing), pairwise
    complete, as pandas' DataFrame.corr(method="spearman") of their transpose."""
    columns = np.asarray(columns, dtype=np.float64)
    columns = np.ascontiguousarray(np.where(np.isfinite(columns), columns, np.nan))  # sorted last, as NaN
    return _kernels.spearman_matrix(columns, np.argsort(columns, axis=1))


def cramers_v(a: np.ndarray, b: np.ndarray) -> float | None:
    """V of two columns given as category codes (-1 where missing): each column is coded once, and a pair's
    contingency table is one bincount (pandas' crosstab took about 20 ms a pair, and pairs grow with the square
    of the columns)."""
    both = (a >= 0) & (b >= 0)
    if not both.any():
        return None
    a, b = a[both].astype(np.int64), b[both].astype(np.int64)
    width = int(b.max()) + 1
    table = np.bincount(a * width + b, minlength=(int(a.max()) + 1) * width).reshape(-1, width)
    # Only categories present in rows where both are: as a crosstab of those rows.
    table = table[table.any(axis=1)][:, table.any(axis=0)].astype(np.float64)
    n = float(table.sum())
    rows, cols = table.shape
    if min(rows, cols) < 2 or n < 2:
        return None
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    # Bergsma's bias correction (as ydata-profiling): uncorrected, independent columns of a few rows and many
    # categories read as strongly associated (20 rows, 10 stores against 2 segments: V 0.94, alerted on).
    phi2 = max(0.0, chi2 / n - (rows - 1) * (cols - 1) / (n - 1))
    rows_corrected = rows - (rows - 1) ** 2 / (n - 1)
    cols_corrected = cols - (cols - 1) ** 2 / (n - 1)
    k = min(rows_corrected, cols_corrected) - 1
    if k <= 0:
        return None
    return min(1.0, math.sqrt(phi2 / k))
