"""A value is missing when it is null, empty once trimmed of whitespace, or an NA token: MissingValues finds that
with a compiled pre-filter and must agree with Arrow's trim and lookup run on every value."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine.config import DEFAULT_NA_TOKENS
from services.processor.engine.missing import MissingValues

SPACE = st.sampled_from([" ", "\t", "\u00a0", "\u2003", "\r", ""])
CORE = st.one_of(
    st.sampled_from(sorted(DEFAULT_NA_TOKENS)),
    st.sampled_from(["1.5", "-7", "NAN", "n/a ", "nul", "é", "#", "NaNa", "x\u00a0y"]),
    st.text(max_size=6),
)
VALUE = st.one_of(st.none(), st.builds(lambda a, core, b: a + core + b, SPACE, CORE, SPACE))


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUE, max_size=40), st.booleans())
def test_present_values_are_those_arrow_finds_by_trimming_and_looking_up_every_value(
    values: list[str | None], large: bool
) -> None:
    array = pa.array(values, pa.large_string() if large else pa.string())
    trimmed, present = MissingValues(DEFAULT_NA_TOKENS).present(array)

    reference = pc.utf8_trim_whitespace(array)
    tokens = pa.array(sorted(DEFAULT_NA_TOKENS | {""}), pa.string())
    token = np.asarray(pc.is_in(reference, value_set=tokens).to_numpy(zero_copy_only=False), dtype=bool)
    null = np.asarray(array.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    assert present.tolist() == (~(token | null)).tolist()
    assert trimmed.to_pylist() == reference.to_pylist()


def test_values_needing_no_trim_are_returned_as_they_are() -> None:
    array = pa.array(["1", "NA", "x y", None])
    trimmed, present = MissingValues(DEFAULT_NA_TOKENS).present(array)
    assert trimmed is array  # no copy when nothing starts or ends with whitespace
    assert present.tolist() == [True, False, True, False]
