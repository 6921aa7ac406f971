import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Profile(_message.Message):
    __slots__ = ("job_id", "row_count", "column_count", "missing_cells", "size_bytes", "delimiter", "report_key", "create_time", "duration_seconds", "duplicate_rows", "duplicates_approximate", "missing_cells_share", "quality", "alerts", "parse", "correlations", "correlations_sampled", "correlation_sample_size", "html_report_key", "part_count")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    COLUMN_COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_CELLS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    REPORT_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_ROWS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    MISSING_CELLS_SHARE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    PARSE_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONS_FIELD_NUMBER: _ClassVar[int]
    CORRELATIONS_SAMPLED_FIELD_NUMBER: _ClassVar[int]
    CORRELATION_SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    HTML_REPORT_KEY_FIELD_NUMBER: _ClassVar[int]
    PART_COUNT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    row_count: int
    column_count: int
    missing_cells: int
    size_bytes: int
    delimiter: str
    report_key: str
    create_time: _timestamp_pb2.Timestamp
    duration_seconds: float
    duplicate_rows: int
    duplicates_approximate: bool
    missing_cells_share: float
    quality: QualityScore
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    parse: ParseSummary
    correlations: _containers.RepeatedCompositeFieldContainer[Correlation]
    correlations_sampled: bool
    correlation_sample_size: int
    html_report_key: str
    part_count: int
    def __init__(self, job_id: _Optional[str] = ..., row_count: _Optional[int] = ..., column_count: _Optional[int] = ..., missing_cells: _Optional[int] = ..., size_bytes: _Optional[int] = ..., delimiter: _Optional[str] = ..., report_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[float] = ..., duplicate_rows: _Optional[int] = ..., duplicates_approximate: _Optional[bool] = ..., missing_cells_share: _Optional[float] = ..., quality: _Optional[_Union[QualityScore, _Mapping]] = ..., alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., parse: _Optional[_Union[ParseSummary, _Mapping]] = ..., correlations: _Optional[_Iterable[_Union[Correlation, _Mapping]]] = ..., correlations_sampled: _Optional[bool] = ..., correlation_sample_size: _Optional[int] = ..., html_report_key: _Optional[str] = ..., part_count: _Optional[int] = ...) -> None: ...

class QualityScore(_message.Message):
    __slots__ = ("score", "completeness", "validity", "uniqueness", "parse_health", "weights")
    class WeightsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    UNIQUENESS_FIELD_NUMBER: _ClassVar[int]
    PARSE_HEALTH_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    score: float
    completeness: float
    validity: float
    uniqueness: float
    parse_health: float
    weights: _containers.ScalarMap[str, float]
    def __init__(self, score: _Optional[float] = ..., completeness: _Optional[float] = ..., validity: _Optional[float] = ..., uniqueness: _Optional[float] = ..., parse_health: _Optional[float] = ..., weights: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("code", "column", "severity", "message", "value")
    CODE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    code: str
    column: str
    severity: str
    message: str
    value: float
    def __init__(self, code: _Optional[str] = ..., column: _Optional[str] = ..., severity: _Optional[str] = ..., message: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class Correlation(_message.Message):
    __slots__ = ("method", "column_a", "column_b", "value")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    COLUMN_A_FIELD_NUMBER: _ClassVar[int]
    COLUMN_B_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    method: str
    column_a: str
    column_b: str
    value: float
    def __init__(self, method: _Optional[str] = ..., column_a: _Optional[str] = ..., column_b: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class ParseSummary(_message.Message):
    __slots__ = ("format", "compression", "encoding", "encoding_fallback", "delimiter", "quotechar", "has_header", "rows_read", "ragged_rows", "unterminated_quotes", "bad_encoding_rows", "issues", "splittable", "lines_read", "member", "decimal", "preamble_lines", "invalid_records", "sheet", "day_first", "long_lines", "columns_left_out")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FALLBACK_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    QUOTECHAR_FIELD_NUMBER: _ClassVar[int]
    HAS_HEADER_FIELD_NUMBER: _ClassVar[int]
    ROWS_READ_FIELD_NUMBER: _ClassVar[int]
    RAGGED_ROWS_FIELD_NUMBER: _ClassVar[int]
    UNTERMINATED_QUOTES_FIELD_NUMBER: _ClassVar[int]
    BAD_ENCODING_ROWS_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    SPLITTABLE_FIELD_NUMBER: _ClassVar[int]
    LINES_READ_FIELD_NUMBER: _ClassVar[int]
    MEMBER_FIELD_NUMBER: _ClassVar[int]
    DECIMAL_FIELD_NUMBER: _ClassVar[int]
    PREAMBLE_LINES_FIELD_NUMBER: _ClassVar[int]
    INVALID_RECORDS_FIELD_NUMBER: _ClassVar[int]
    SHEET_FIELD_NUMBER: _ClassVar[int]
    DAY_FIRST_FIELD_NUMBER: _ClassVar[int]
    LONG_LINES_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_LEFT_OUT_FIELD_NUMBER: _ClassVar[int]
    format: str
    compression: str
    encoding: str
    encoding_fallback: bool
    delimiter: str
    quotechar: str
    has_header: bool
    rows_read: int
    ragged_rows: int
    unterminated_quotes: int
    bad_encoding_rows: int
    issues: _containers.RepeatedCompositeFieldContainer[ParseIssue]
    splittable: bool
    lines_read: int
    member: str
    decimal: str
    preamble_lines: int
    invalid_records: int
    sheet: str
    day_first: bool
    long_lines: int
    columns_left_out: int
    def __init__(self, format: _Optional[str] = ..., compression: _Optional[str] = ..., encoding: _Optional[str] = ..., encoding_fallback: _Optional[bool] = ..., delimiter: _Optional[str] = ..., quotechar: _Optional[str] = ..., has_header: _Optional[bool] = ..., rows_read: _Optional[int] = ..., ragged_rows: _Optional[int] = ..., unterminated_quotes: _Optional[int] = ..., bad_encoding_rows: _Optional[int] = ..., issues: _Optional[_Iterable[_Union[ParseIssue, _Mapping]]] = ..., splittable: _Optional[bool] = ..., lines_read: _Optional[int] = ..., member: _Optional[str] = ..., decimal: _Optional[str] = ..., preamble_lines: _Optional[int] = ..., invalid_records: _Optional[int] = ..., sheet: _Optional[str] = ..., day_first: _Optional[bool] = ..., long_lines: _Optional[int] = ..., columns_left_out: _Optional[int] = ...) -> None: ...

class ParseIssue(_message.Message):
    __slots__ = ("kind", "line", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    line: int
    detail: str
    def __init__(self, kind: _Optional[str] = ..., line: _Optional[int] = ..., detail: _Optional[str] = ...) -> None: ...

class ColumnProfile(_message.Message):
    __slots__ = ("name", "position", "inferred_type", "count", "missing", "distinct", "distinct_approximate", "min", "max", "mean", "semantic", "patterns", "missing_nulls", "missing_empty", "missing_tokens", "distinct_lower", "distinct_upper", "uniqueness", "type_counts", "invalid", "invalid_examples", "top_values", "top_values_approximate", "top_values_error", "numeric", "text", "datetime", "imbalance", "uniformity_p")
    class PatternsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class TypeCountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    INFERRED_TYPE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_FIELD_NUMBER: _ClassVar[int]
    PATTERNS_FIELD_NUMBER: _ClassVar[int]
    MISSING_NULLS_FIELD_NUMBER: _ClassVar[int]
    MISSING_EMPTY_FIELD_NUMBER: _ClassVar[int]
    MISSING_TOKENS_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_LOWER_FIELD_NUMBER: _ClassVar[int]
    DISTINCT_UPPER_FIELD_NUMBER: _ClassVar[int]
    UNIQUENESS_FIELD_NUMBER: _ClassVar[int]
    TYPE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    INVALID_FIELD_NUMBER: _ClassVar[int]
    INVALID_EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    TOP_VALUES_FIELD_NUMBER: _ClassVar[int]
    TOP_VALUES_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    TOP_VALUES_ERROR_FIELD_NUMBER: _ClassVar[int]
    NUMERIC_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    DATETIME_FIELD_NUMBER: _ClassVar[int]
    IMBALANCE_FIELD_NUMBER: _ClassVar[int]
    UNIFORMITY_P_FIELD_NUMBER: _ClassVar[int]
    name: str
    position: int
    inferred_type: str
    count: int
    missing: int
    distinct: int
    distinct_approximate: bool
    min: str
    max: str
    mean: float
    semantic: str
    patterns: _containers.ScalarMap[str, int]
    missing_nulls: int
    missing_empty: int
    missing_tokens: int
    distinct_lower: int
    distinct_upper: int
    uniqueness: float
    type_counts: _containers.ScalarMap[str, int]
    invalid: int
    invalid_examples: _containers.RepeatedScalarFieldContainer[str]
    top_values: _containers.RepeatedCompositeFieldContainer[TopValue]
    top_values_approximate: bool
    top_values_error: int
    numeric: NumericStats
    text: TextStats
    datetime: DatetimeStats
    imbalance: float
    uniformity_p: float
    def __init__(self, name: _Optional[str] = ..., position: _Optional[int] = ..., inferred_type: _Optional[str] = ..., count: _Optional[int] = ..., missing: _Optional[int] = ..., distinct: _Optional[int] = ..., distinct_approximate: _Optional[bool] = ..., min: _Optional[str] = ..., max: _Optional[str] = ..., mean: _Optional[float] = ..., semantic: _Optional[str] = ..., patterns: _Optional[_Mapping[str, int]] = ..., missing_nulls: _Optional[int] = ..., missing_empty: _Optional[int] = ..., missing_tokens: _Optional[int] = ..., distinct_lower: _Optional[int] = ..., distinct_upper: _Optional[int] = ..., uniqueness: _Optional[float] = ..., type_counts: _Optional[_Mapping[str, int]] = ..., invalid: _Optional[int] = ..., invalid_examples: _Optional[_Iterable[str]] = ..., top_values: _Optional[_Iterable[_Union[TopValue, _Mapping]]] = ..., top_values_approximate: _Optional[bool] = ..., top_values_error: _Optional[int] = ..., numeric: _Optional[_Union[NumericStats, _Mapping]] = ..., text: _Optional[_Union[TextStats, _Mapping]] = ..., datetime: _Optional[_Union[DatetimeStats, _Mapping]] = ..., imbalance: _Optional[float] = ..., uniformity_p: _Optional[float] = ...) -> None: ...

class TopValue(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: str
    count: int
    def __init__(self, value: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class NumericStats(_message.Message):
    __slots__ = ("min", "max", "mean", "std", "variance", "sum", "skewness", "kurtosis", "zeros", "negatives", "infinite", "quantiles", "quantiles_approximate", "quantile_rank_error", "histogram")
    class QuantilesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    VARIANCE_FIELD_NUMBER: _ClassVar[int]
    SUM_FIELD_NUMBER: _ClassVar[int]
    SKEWNESS_FIELD_NUMBER: _ClassVar[int]
    KURTOSIS_FIELD_NUMBER: _ClassVar[int]
    ZEROS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVES_FIELD_NUMBER: _ClassVar[int]
    INFINITE_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    QUANTILE_RANK_ERROR_FIELD_NUMBER: _ClassVar[int]
    HISTOGRAM_FIELD_NUMBER: _ClassVar[int]
    min: float
    max: float
    mean: float
    std: float
    variance: float
    sum: float
    skewness: float
    kurtosis: float
    zeros: int
    negatives: int
    infinite: int
    quantiles: _containers.ScalarMap[str, float]
    quantiles_approximate: bool
    quantile_rank_error: float
    histogram: Histogram
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., variance: _Optional[float] = ..., sum: _Optional[float] = ..., skewness: _Optional[float] = ..., kurtosis: _Optional[float] = ..., zeros: _Optional[int] = ..., negatives: _Optional[int] = ..., infinite: _Optional[int] = ..., quantiles: _Optional[_Mapping[str, float]] = ..., quantiles_approximate: _Optional[bool] = ..., quantile_rank_error: _Optional[float] = ..., histogram: _Optional[_Union[Histogram, _Mapping]] = ...) -> None: ...

class Histogram(_message.Message):
    __slots__ = ("edges", "counts", "approximate")
    EDGES_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    APPROXIMATE_FIELD_NUMBER: _ClassVar[int]
    edges: _containers.RepeatedScalarFieldContainer[float]
    counts: _containers.RepeatedScalarFieldContainer[int]
    approximate: bool
    def __init__(self, edges: _Optional[_Iterable[float]] = ..., counts: _Optional[_Iterable[int]] = ..., approximate: _Optional[bool] = ...) -> None: ...

class TextStats(_message.Message):
    __slots__ = ("length_min", "length_mean", "length_max")
    LENGTH_MIN_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MEAN_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MAX_FIELD_NUMBER: _ClassVar[int]
    length_min: int
    length_mean: float
    length_max: int
    def __init__(self, length_min: _Optional[int] = ..., length_mean: _Optional[float] = ..., length_max: _Optional[int] = ...) -> None: ...

class DatetimeStats(_message.Message):
    __slots__ = ("min", "max", "granularity", "iso_share")
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    GRANULARITY_FIELD_NUMBER: _ClassVar[int]
    ISO_SHARE_FIELD_NUMBER: _ClassVar[int]
    min: str
    max: str
    granularity: str
    iso_share: float
    def __init__(self, min: _Optional[str] = ..., max: _Optional[str] = ..., granularity: _Optional[str] = ..., iso_share: _Optional[float] = ...) -> None: ...
