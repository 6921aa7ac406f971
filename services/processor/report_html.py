"""A profile report as one self-contained HTML page: inline CSS and inline SVG, no scripts, no external references.

`render_html(report)` takes `{"job": {...}, "profile": TableProfile.to_dict(), "parse": ParseReport.to_dict()}`
and returns the page as a string. It works offline and from a presigned link: nothing is fetched. Every value
that comes from the data (column names, values, messages, file names) is escaped with `html.escape`.

Sections: header (file, job, table counts), quality score and components, alerts (by severity), parse problems,
a column table linking to one section per column (chart, missing bar, quantiles, lengths, datetime range,
mixed-type examples) and the correlations. Work is linear in the size of the report; the correlation table is
capped at the strongest `MAX_CORRELATION_PAIRS` pairs.
"""

from __future__ import annotations

import heapq
import html
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from services.processor.engine.alerts import EXAMPLE_CHARS
from services.processor.engine.types import fitted_type

MAX_CORRELATION_PAIRS = 500
LABEL_CHARS = 28  # top-value labels longer than this are cut in the chart (the full value is in a tooltip)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DASH = "\u2014"
APPROX = '<span class="approx" title="approximate">\u2248</span>'

STYLE = """
*{box-sizing:border-box}
body{margin:0;padding:1.5rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d232b;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto}
h1{font-size:1.5rem;margin:0 0 .25rem;word-break:break-all}
h2{font-size:1.15rem;margin:1.75rem 0 .5rem;border-bottom:1px solid #d9dde3;padding-bottom:.25rem}
h3{font-size:1rem;margin:0 0 .5rem;word-break:break-all}
h4{font-size:.9rem;margin:.5rem 0 .35rem;color:#38414b}
section.col{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:.9rem 1rem;margin:.75rem 0}
.muted{color:#637080}
.cards{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0}
.card{background:#fff;border:1px solid #e1e4e8;border-radius:6px;padding:.45rem .75rem;min-width:8rem}
.card b{display:block;font-size:1.15rem}
.score{display:flex;align-items:center;gap:1.5rem;background:#fff;border:1px solid #e1e4e8;border-radius:6px;
padding:.75rem 1rem}
.big{font-size:2.6rem;font-weight:700;line-height:1}
.good{color:#1a7f37}.fair{color:#9a6700}.poor{color:#cf222e}
table{border-collapse:collapse;width:100%;background:#fff;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:.3rem .55rem;border-bottom:1px solid #eceef1;vertical-align:top}
th{background:#eef1f4;font-weight:600}
tbody tr:nth-child(even){background:#f8f9fb}
td.n,th.n{text-align:right}
table.kv{width:auto}
table.kv th{background:none;font-weight:500;color:#637080}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:1rem}
.bar{display:inline-block;width:8rem;height:.7rem;background:#e6e9ed;border-radius:3px;overflow:hidden;
vertical-align:middle;margin-right:.4rem}
.bar i{display:block;height:100%;background:#d1242f}
.bar.q i{background:#2f81f7}
.sev{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.8rem;font-weight:600;color:#fff}
.sev-error{background:#cf222e}.sev-warning{background:#bf8700}.sev-info{background:#57606a}
.approx{color:#9a6700;font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;background:#eef1f4;padding:0 .2rem;
border-radius:3px;word-break:break-all}
svg{max-width:100%;height:auto;font:11px system-ui,sans-serif}
svg .b{fill:#2f81f7}svg text{fill:#38414b}
a{color:#0969da;text-decoration:none}
"""


# ---------------------------------------------------------------------------------------------------- formatting


def _e(value: Any) -> str:
    """Escape any value as text (None becomes the empty string)."""
    return html.escape("" if value is None else str(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _num(value: Any) -> str:
    """A number for people: thousands separators, 6 significant digits for floats (a price's 1999.99 read
    '2,000' at 4), whole numbers from a million on; a dash for None/NaN."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return {"inf": "\u221e", "-inf": "\u2212\u221e"}.get(value, _e(value))
    if isinstance(value, int):
        return f"{value:,}"
    if not _is_number(value) or math.isnan(value):
        return DASH
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    if value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e6 <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:,.6g}"


def _float(value: Any) -> float | None:
    """A finite-or-infinite float, or None for anything that is not a number (None, NaN, strings)."""
    if not _is_number(value) or math.isnan(value):
        return None
    return float(value)


def _pct(share: Any) -> str:
    """A share (0-1) as a percentage; tiny non-zero shares show as <0.1%."""
    if not _is_number(share) or math.isnan(share):
        return DASH
    if 0 < share < 0.001:
        return "&lt;0.1%"
    if 0.999 < share < 1:
        return "&gt;99.9%"
    return f"{100 * share:.1f}%"


def _size(size: Any) -> str:
    if not _is_number(size):
        return DASH
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{int(value):,} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return DASH  # unreachable


def _share(part: Any, whole: Any) -> float | None:
    if not _is_number(part) or not _is_number(whole) or not whole:
        return None
    return float(part) / float(whole)


def _moment(value: Any) -> str:
    """A datetime profile bound, without a midnight UTC time part."""
    text = "" if value is None else str(value)
    for suffix in ("T00:00:00+00:00", "T00:00:00Z", "T00:00:00"):
        if text.endswith(suffix):
            return _e(text[: -len(suffix)])
    return _e(text)


def _approx_note(text: str) -> str:
    return f' <span class="approx">(approximate{_e(text)})</span>'


# ---------------------------------------------------------------------------------------------------- building blocks


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """A table of already-escaped cells; columns whose index is in `numeric` are right-aligned."""
    ths = "".join(f"<th{' class=n' if i in numeric else ''}>{h}</th>" for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{' class=n' if i in numeric else ''}>{c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def _kv(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column key/value table; keys and values are already escaped."""
    rows = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in pairs)
    return f'<table class="kv"><tbody>{rows}</tbody></table>'


def _bar(share: float | None, css: str = "") -> str:
    width = 0.0 if share is None else max(0.0, min(1.0, share)) * 100
    return f'<span class="bar{css}"><i style="width:{width:.1f}%"></i></span>'


def _card(label: str, value: str) -> str:
    return f'<div class="card"><span class="muted">{label}</span><b>{value}</b></div>'


# ---------------------------------------------------------------------------------------------------- header & quality


def _header(job: Mapping[str, Any], profile: Mapping[str, Any]) -> str:
    name = job.get("file_name") or job.get("id") or "profile"
    rows, columns = profile.get("rows"), profile.get("columns")
    missing = profile.get("missing_cells")
    dup = _num(profile.get("duplicate_rows"))
    if profile.get("duplicates_approximate"):
        dup = f'{APPROX}{dup} <span class="approx">approximate</span>'
    dup_share = _share(profile.get("duplicate_rows"), rows)
    cards = [
        _card("Rows", _num(rows)),
        _card("Columns", _num(columns)),
        _card("Size", _size(job.get("size_bytes"))),
        _card("Missing cells", f"{_num(missing)} ({_pct(profile.get('missing_cells_share'))})"),
        _card("Duplicate rows", f"{dup} ({_pct(dup_share)})"),
    ]
    meta = f"Job <code>{_e(job.get('id'))}</code>"
    if job.get("created_at"):
        meta += f" \u00b7 created {_e(job.get('created_at'))}"
    if _float(job.get("duration_seconds")) is not None:
        meta += f" \u00b7 profiled in {_num(job['duration_seconds'])} s"
    cards_html = "".join(cards)
    return f'<header><h1>{_e(name)}</h1><div class="muted">{meta}</div><div class="cards">{cards_html}</div></header>'


def _grade(score: float) -> str:
    return "good" if score >= 90 else "fair" if score >= 70 else "poor"


def _quality(quality: Mapping[str, Any] | None) -> str:
    if not quality:
        return ""
    score = _float(quality.get("score"))
    grade = "" if score is None else _grade(score)
    weights = {k: w for k, v in (quality.get("weights") or {}).items() if (w := _float(v)) is not None}
    total = sum(weights.values())
    parts = []
    for key, label in (
        ("completeness", "Completeness"),
        ("validity", "Validity"),
        ("uniqueness", "Uniqueness"),
        ("parse_health", "Parse health"),
    ):
        share = _float(quality.get(key))
        weight = f' <span class="muted">weight {_pct(weights[key] / total)}</span>' if key in weights and total else ""
        parts.append((label, f"{_bar(share, ' q')}{_pct(share)}{weight}"))
    explain = (
        "Weighted mean of completeness (present cells), validity (values fitting their column's type), "
        "uniqueness (non-duplicate rows) and parse health (rows read cleanly), scaled to 0\u2013100."
    )
    big = f'<div><div class="big {grade}">{_num(score)}</div><div class="muted">of 100</div></div>'
    return (
        f'<h2 id="quality">Quality score</h2><div class="score">{big}{_kv(parts)}</div>'
        f'<p class="muted">{_e(explain)}</p>'
    )


# ---------------------------------------------------------------------------------------------------- alerts & parse


def _alerts(alerts: Sequence[Mapping[str, Any]] | None) -> str:
    if not alerts:
        return '<h2 id="alerts">Alerts</h2><p class="muted">No alerts.</p>'
    ordered = sorted(alerts, key=lambda a: SEVERITY_ORDER.get(str(a.get("severity")), 3))
    rows = []
    for alert in ordered:
        severity = str(alert.get("severity") or "info")
        rows.append(
            [
                f'<span class="sev sev-{_e(severity) if severity in SEVERITY_ORDER else "info"}">{_e(severity)}</span>',
                f"<code>{_e(alert.get('code'))}</code>",
                _e(alert.get("column")) or '<span class="muted">(table)</span>',
                _e(alert.get("message")),
            ]
        )
    return f'<h2 id="alerts">Alerts ({len(rows):,})</h2>' + _table(["Severity", "Code", "Column", "Message"], rows)


def _parse(parse: Mapping[str, Any] | None) -> str:
    if not parse:
        return ""
    delimiter = parse.get("delimiter")
    shown_delimiter = {"\t": "tab", " ": "space", "": DASH}.get(str(delimiter or ""))
    pairs = [
        (
            "Format",
            _e(parse.get("format")) + (f" ({_e(parse.get('compression'))})" if parse.get("compression") else ""),
        ),
        ("Encoding", _e(parse.get("encoding")) + (" (fell back)" if parse.get("encoding_fallback") else "")),
        ("Delimiter", shown_delimiter if shown_delimiter is not None else f"<code>{_e(delimiter)}</code>"),
        ("Decimal mark", f"<code>{_e(parse.get('decimal') or '.')}</code>"),
        ("Day and month in dates", "day first (13/01/2020)" if parse.get("day_first") else "month first (01/13/2020)"),
        ("Rows read", _num(parse.get("rows_read"))),
        ("Ragged rows", _num(parse.get("ragged_rows"))),
        ("Unterminated quotes", _num(parse.get("unterminated_quotes"))),
        ("Bad-encoding rows", _num(parse.get("bad_encoding_rows"))),
    ]
    if parse.get("preamble_lines"):  # titles and notes an export put above the header, not read as rows
        pairs.insert(4, ("Lines above the table (skipped)", _num(parse.get("preamble_lines"))))
    if parse.get("member"):
        pairs.insert(1, ("Archive member", _e(parse.get("member"))))
    if parse.get("sheet"):
        pairs.insert(1, ("Worksheet", _e(parse.get("sheet"))))
    if parse.get("invalid_records"):  # JSON Lines lines holding no object
        pairs.append(("Lines left out (no JSON object)", _num(parse.get("invalid_records"))))
    if parse.get("long_lines"):  # delimited text and JSON Lines: lines longer than a reader takes
        pairs.append(("Lines left out (too long)", _num(parse.get("long_lines"))))
    if parse.get("columns_left_out"):  # a table wider than a processor profiles
        pairs.append(("Columns left out (too many)", _num(parse.get("columns_left_out"))))
    kinds = ("ragged_rows", "unterminated_quotes", "bad_encoding_rows", "invalid_records", "long_lines")
    problems = sum(int(parse.get(k) or 0) for k in kinds)
    issues = parse.get("issues") or []
    title = "Parse problems" if problems or issues else "Parsing"
    out = f'<h2 id="parse">{title}</h2>{_kv(pairs)}'
    if issues:
        rows = [[_num(i.get("line")), _e(i.get("kind")), _e(i.get("detail"))] for i in issues]
        out += f"<h3>First issues</h3>{_table(['Line', 'Kind', 'Detail'], rows, numeric=(0,))}"
    return out


# ---------------------------------------------------------------------------------------------------- column table


def _distinct(col: Mapping[str, Any]) -> str:
    text = _num(col.get("distinct"))
    return APPROX + text if col.get("distinct_approximate") else text


def _range(col: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """min, max, mean, std for the column table."""
    numeric, moment = col.get("numeric"), col.get("datetime")
    if numeric:
        return _num(numeric.get("min")), _num(numeric.get("max")), _num(numeric.get("mean")), _num(numeric.get("std"))
    if moment:
        return _moment(moment.get("min")), _moment(moment.get("max")), DASH, DASH
    return DASH, DASH, DASH, DASH


def _column_table(columns: Sequence[Mapping[str, Any]]) -> str:
    if not columns:
        return '<h2 id="columns">Columns</h2><p class="muted">The table has no columns.</p>'
    rows = []
    for index, col in enumerate(columns):
        missing = _share(col.get("missing"), col.get("count"))
        rows.append(
            [
                f'<a href="#col-{index}">{_e(col.get("name"))}</a>',
                _e(col.get("inferred_type")),
                _e(col.get("semantic")) or DASH,
                _pct(missing if missing is not None else 0.0),
                _distinct(col),
                *_range(col),
            ]
        )
    head = ["Column", "Type", "Pattern", "Missing", "Distinct", "Min", "Max", "Mean", "Std"]
    return f'<h2 id="columns">Columns ({len(rows):,})</h2>' + _table(head, rows, numeric=(3, 4, 5, 6, 7, 8))


# ---------------------------------------------------------------------------------------------------- charts (SVG)


def _histogram_svg(histogram: Mapping[str, Any]) -> str:
    """Vertical bars, one per bin, with the edges and the largest count as labels."""
    counts = [int(c or 0) for c in histogram.get("counts") or []]
    edges = list(histogram.get("edges") or [])
    width, height, top, bottom = 360, 140, 14, 18
    peak = max(counts) or 1
    step = width / len(counts)
    labels = _edge_labels(edges)
    bars = []
    for i, count in enumerate(counts):
        h = max((height - top - bottom) * count / peak, 1.0 if count else 0.0)  # a non-empty bin stays visible
        low = labels[i] if i < len(labels) else ""
        high = labels[i + 1] if i + 1 < len(labels) else ""
        bars.append(
            f'<rect class="b" x="{i * step + 1:.1f}" y="{height - bottom - h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{h:.1f}"><title>{low} \u2013 {high}: {count:,}</title></rect>'
        )
    first = labels[0] if labels else ""
    last = labels[-1] if labels else ""
    texts = (
        f'<text x="0" y="{height - 4}">{first}</text>'
        f'<text x="{width}" y="{height - 4}" text-anchor="end">{last}</text>'
        f'<text x="0" y="10">max {peak:,}</text>'
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="histogram">{"".join(bars)}{texts}</svg>'
    )


def _edge_labels(edges: Sequence[Any]) -> list[str]:
    """The bins' edges as `_num` writes them, or, where that makes two edges one (10000.25 to 10000.75 in bins
    of 0.05 all read '10,000'), with as many decimals as the narrowest bin needs."""
    labels = [_num(edge) for edge in edges]
    values = [_float(edge) for edge in edges]
    if len(set(labels)) == len(labels) or any(v is None or not math.isfinite(v) for v in values):
        return labels
    finite = cast(list[float], values)
    narrowest = min((b - a for a, b in itertools.pairwise(finite) if b > a), default=0.0)
    if narrowest <= 0:
        return labels
    decimals = min(15, max(0, 1 - math.floor(math.log10(narrowest))))
    return [f"{value:,.{decimals}f}" for value in finite]


def _top_values_svg(top: Sequence[Mapping[str, Any]], present: int) -> str:
    """Horizontal bars, one per top value, labelled with the value (cut to LABEL_CHARS) and its count."""
    width, row, label_w, count_w = 420, 18, 170, 90
    peak = max((int(t.get("count") or 0) for t in top), default=0) or 1
    parts = []
    for i, item in enumerate(top):
        value, count = str(item.get("value") if item.get("value") is not None else ""), int(item.get("count") or 0)
        shown = _cut(value, LABEL_CHARS)
        y = i * row
        w = (width - label_w - count_w) * count / peak
        share = f" ({_pct(count / present)})" if present else ""
        parts.append(
            f"<g><title>{_e(value)}: {count:,}{share}</title>"
            f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{_e(shown)}</text>'
            f'<rect class="b" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 6}"></rect>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}">{count:,}{share}</text></g>'
        )
    height = max(len(top), 1) * row
    return (
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="top values">{"".join(parts)}</svg>'
    )


def _has_histogram(col: Mapping[str, Any]) -> bool:
    numeric = col.get("numeric") or {}
    histogram = numeric.get("histogram") or {}
    return bool(histogram.get("counts"))


def _chart(col: Mapping[str, Any]) -> str:
    """The column's chart: a histogram for numbers, top values otherwise; empty when there is nothing to draw."""
    if _has_histogram(col):
        histogram = col["numeric"]["histogram"]
        note = _approx_note(", sketched") if histogram.get("approximate") else ""
        return f"<div><h4>Histogram{note}</h4>{_histogram_svg(histogram)}</div>"
    top = col.get("top_values") or []
    if not top and col.get("top_values_approximate"):
        error = int(col.get("top_values_error") or 0)
        return f"<div><h4>Top values</h4><p>No value stands out above the sketch's error (\u00b1{error:,}).</p></div>"
    if not top:
        return ""
    note = ""
    if col.get("top_values_approximate"):
        note = _approx_note(f", counts within \u00b1{int(col.get('top_values_error') or 0):,}")
    present = int(col.get("count") or 0) - int(col.get("missing") or 0)
    return f"<div><h4>Top values{note}</h4>{_top_values_svg(top, present)}</div>"


# ---------------------------------------------------------------------------------------------------- column section


def _overview(col: Mapping[str, Any]) -> str:
    count, missing = col.get("count"), col.get("missing")
    share = _share(missing, count)
    missing_detail = (
        f' <span class="muted">(null {_num(col.get("missing_nulls"))}, empty {_num(col.get("missing_empty"))}, '
        f"token {_num(col.get('missing_tokens'))})</span>"
    )
    distinct = _distinct(col)
    if col.get("distinct_approximate"):
        bounds = col.get("distinct_bounds") or []
        span = f", bounds {_num(bounds[0])}\u2013{_num(bounds[1])}" if len(bounds) == 2 else ""
        distinct += _approx_note(span)
    pairs = [
        ("Type", _e(col.get("inferred_type")) + (f" \u00b7 {_e(col.get('semantic'))}" if col.get("semantic") else "")),
        ("Values", _num(count)),
        ("Missing", f"{_bar(share)}{_num(missing)} ({_pct(share if share is not None else 0.0)}){missing_detail}"),
        (
            "Distinct",
            distinct
            + (f" ({_pct(col['uniqueness'])} of present)" if _float(col.get("uniqueness")) is not None else ""),
        ),
    ]
    if col.get("imbalance") is not None:
        pairs.append(("Imbalance", _num(col.get("imbalance"))))
    return _kv(pairs)


def _numeric_details(numeric: Mapping[str, Any] | None) -> str:
    if not numeric:
        return ""
    stats = [
        ("Min", _num(numeric.get("min"))),
        ("Max", _num(numeric.get("max"))),
        ("Mean", _num(numeric.get("mean"))),
        ("Std", _num(numeric.get("std"))),
        ("Sum", _num(numeric.get("sum"))),
        ("Skewness", _num(numeric.get("skewness"))),
        ("Kurtosis", _num(numeric.get("kurtosis"))),
        ("Zeros", _num(numeric.get("zeros"))),
        ("Negatives", _num(numeric.get("negatives"))),
        ("Infinite", _num(numeric.get("infinite"))),
    ]
    out = f"<div><h4>Statistics</h4>{_kv(stats)}</div>"
    quantiles = numeric.get("quantiles") or {}
    if quantiles:
        note = ""
        if numeric.get("quantiles_approximate"):
            note = _approx_note(f", rank error \u00b1{_pct(numeric.get('quantile_rank_error'))}")
        rows = [[_e(_quantile_label(q)), _num(v)] for q, v in quantiles.items()]
        out += f"<div><h4>Quantiles{note}</h4>{_table(['Quantile', 'Value'], rows, numeric=(1,))}</div>"
    return out


def _quantile_label(key: str) -> str:
    try:
        return f"{100 * float(key):g}%"
    except ValueError:
        return key


def _text_details(col: Mapping[str, Any]) -> str:
    parts = []
    text = col.get("text")
    if text:
        lengths = [
            ("Min", _num(text.get("length_min"))),
            ("Mean", _num(text.get("length_mean"))),
            ("Max", _num(text.get("length_max"))),
        ]
        parts.append(f"<div><h4>String length</h4>{_kv(lengths)}</div>")
    moment = col.get("datetime")
    if moment:
        pairs = [
            ("From", _moment(moment.get("min"))),
            ("To", _moment(moment.get("max"))),
            ("Granularity", _e(moment.get("granularity"))),
            ("ISO 8601", _pct(moment.get("iso_share"))),
        ]
        parts.append(f"<div><h4>Date range</h4>{_kv(pairs)}</div>")
    patterns = {k: v for k, v in (col.get("patterns") or {}).items() if v}
    if patterns:
        pairs = [(_e(k), _num(v)) for k, v in patterns.items()]
        parts.append(f"<div><h4>Patterns</h4>{_kv(pairs)}</div>")
    return "".join(parts)


def _cut(value: str, chars: int = EXAMPLE_CHARS) -> str:
    return value if len(value) <= chars else value[: chars - 1] + "\u2026"


def _mixed(col: Mapping[str, Any]) -> str:
    invalid = col.get("invalid") or 0
    if not invalid:
        return ""
    examples = ", ".join(f'<code title="{_e(x)}">{_e(_cut(x))}</code>' for x in col.get("invalid_examples") or [])
    counts = col.get("type_counts") or {}
    fits = ", ".join(f"{_e(k)} {_num(v)}" for k, v in counts.items() if v)
    present = (col.get("count") or 0) - (col.get("missing") or 0)
    # The type the values were held to: a text column's is the one most of it fits, not "text".
    held_to = fitted_type(str(col.get("inferred_type")), counts, present) or col.get("inferred_type")
    out = f"<div><h4>Mixed types</h4><p>{_num(invalid)} values do not fit {_e(held_to)}"
    out += f": {examples}.</p>" if examples else ".</p>"
    if fits:
        out += f'<p class="muted">Values fitting each type: {fits}</p>'
    return out + "</div>"


def _column_section(index: int, col: Mapping[str, Any]) -> str:
    body = _overview(col)
    grid = _chart(col) + _numeric_details(col.get("numeric")) + _text_details(col) + _mixed(col)
    body += f'<div class="grid">{grid}</div>' if grid else '<p class="muted">No present values to describe.</p>'
    return (
        f'<section class="col" id="col-{index}"><h3>{_e(col.get("name"))} '
        f'<a class="muted" href="#columns" title="back to the column table">\u2191</a></h3>{body}</section>'
    )


# ---------------------------------------------------------------------------------------------------- correlations


def _pair_table(items: Sequence[Mapping[str, Any]]) -> tuple[dict[tuple[Any, Any], dict[Any, Any]], dict[Any, float]]:
    """Correlations pivoted to one entry per column pair (method -> value), with each pair's largest |value|."""
    pairs: dict[tuple[Any, Any], dict[Any, Any]] = {}
    strength: dict[tuple[Any, Any], float] = {}
    for item in items:
        key = (item.get("column_a"), item.get("column_b"))
        value = item.get("value")
        entry = pairs.get(key)
        if entry is None:
            entry = pairs[key] = {}
            strength[key] = 0.0
        entry[item.get("method")] = value
        if isinstance(value, float | int) and not isinstance(value, bool) and abs(value) > strength[key]:
            strength[key] = abs(value)  # NaN compares False and is skipped
    return pairs, strength


def _correlations(profile: Mapping[str, Any]) -> str:
    items = profile.get("correlations") or []
    if not items:
        return ""
    pairs, strength = _pair_table(items)
    shown = heapq.nlargest(MAX_CORRELATION_PAIRS, pairs, key=strength.__getitem__)  # O(n log k), ties keep order
    methods = ("pearson", "spearman", "cramers_v")
    rows = [[_e(a), _e(b), *(_num(pairs[(a, b)].get(m)) for m in methods)] for a, b in shown]
    size = profile.get("correlation_sample_size")
    basis = f"sampled, {_num(size)} rows" if profile.get("correlations_sampled") else f"all {_num(size)} rows"
    note = f'<p class="muted">Computed on {basis}; strongest first.'
    if len(pairs) > len(shown):
        note += f" Showing the strongest {len(shown):,} of {len(pairs):,} pairs."
    note += "</p>"
    head = ["Column A", "Column B", "Pearson", "Spearman", "Cram\u00e9r's V"]
    return f'<h2 id="correlations">Correlations ({basis})</h2>{note}' + _table(head, rows, numeric=(2, 3, 4))


# ---------------------------------------------------------------------------------------------------- page


def render_html(report: Mapping[str, Any]) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG only, every data value escaped)."""
    job: Mapping[str, Any] = report.get("job") or {}
    profile: Mapping[str, Any] = report.get("profile") or {}
    parse: Mapping[str, Any] | None = report.get("parse") or profile.get("parse") or None
    columns: Sequence[Mapping[str, Any]] = profile.get("column_profiles") or []
    title = f"Profile \u00b7 {job.get('file_name') or job.get('id') or 'report'}"
    body = [
        _header(job, profile),
        _quality(profile.get("quality")),
        _alerts(profile.get("alerts")),
        _parse(parse),
        _column_table(columns),
        *(_column_section(i, col) for i, col in enumerate(columns)),
        _correlations(profile),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )
