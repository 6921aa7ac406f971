"""Reading spans back from OTLP-JSON lines files and drawing one trace as a terminal waterfall.

The local stack's services append their finished spans to `$SLUICE_HOME/traces/*.jsonl`
(SLUICE_TRACE_FILE); `sluice trace JOB` reads them here. Pure apart from reading the files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_KINDS = {1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


@dataclass
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    name: str
    service: str
    kind: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any]
    error: str | None  # the status message of a span that ended in error
    children: list[Span] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The name, or for a database call its statement (psycopg names spans just `SELECT`)."""
        statement = self.attributes.get("db.statement")
        return " ".join(str(statement).split()) if statement else self.name

    @property
    def duration_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    def to_dict(self, origin_ns: int) -> dict[str, Any]:
        return {
            "name": self.name,
            "service": self.service,
            "kind": self.kind,
            "span_id": self.span_id,
            "start_offset_seconds": round((self.start_ns - origin_ns) / 1e9, 6),
            "duration_seconds": round(self.duration_s, 6),
            "error": self.error,
            "attributes": self.attributes,
            "children": [c.to_dict(origin_ns) for c in self.children],
        }


def _value(any_value: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in any_value:
            return any_value[key]
    if "intValue" in any_value:
        return int(any_value["intValue"])
    if "arrayValue" in any_value:
        return [_value(v) for v in any_value["arrayValue"].get("values", [])]
    return None


def _attributes(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: _value(item.get("value", {})) for item in items}


def _service(resource: dict[str, Any]) -> str:
    attributes = _attributes(resource.get("attributes", []))
    name = str(attributes.get("service.name", "?")).removeprefix("sluice-")
    instance = str(attributes.get("service.instance.id", ""))
    return instance if instance and not _UUID.match(instance) else name


def parse_line(line: str) -> Iterator[Span]:
    """The spans of one OTLP-JSON line (an ExportTraceServiceRequest)."""
    document = json.loads(line)
    for resource_spans in document.get("resourceSpans", []):
        service = _service(resource_spans.get("resource", {}))
        for scope_spans in resource_spans.get("scopeSpans", []):
            for raw in scope_spans.get("spans", []):
                status = raw.get("status", {})
                yield Span(
                    trace_id=raw["traceId"],
                    span_id=raw["spanId"],
                    parent_id=raw.get("parentSpanId", ""),
                    name=raw["name"],
                    service=service,
                    kind=_KINDS.get(int(raw.get("kind", 1)), "internal"),
                    start_ns=int(raw["startTimeUnixNano"]),
                    end_ns=int(raw["endTimeUnixNano"]),
                    attributes=_attributes(raw.get("attributes", [])),
                    error=status.get("message", "error") if int(status.get("code", 0)) == 2 else None,
                )


def read_trace(files: Iterable[Path], trace_id: str) -> list[Span]:
    """Every span of `trace_id` in the files (lines of other traces are skipped unparsed)."""
    found: list[Span] = []
    for path in files:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                if trace_id in line:
                    found.extend(s for s in parse_line(line) if s.trace_id == trace_id)
    return found


def build_tree(spans: Iterable[Span]) -> list[Span]:
    """Roots (spans whose parent is not among them), each with its children, all by start time."""
    by_id = {s.span_id: s for s in spans}
    for span in by_id.values():
        span.children = []
    roots: list[Span] = []
    for span in sorted(by_id.values(), key=lambda s: (s.start_ns, s.name)):
        parent = by_id.get(span.parent_id)
        (parent.children if parent is not None else roots).append(span)
    return roots


def walk(roots: Iterable[Span], depth: int = 0) -> Iterator[tuple[int, Span]]:
    for span in roots:
        yield depth, span
        yield from walk(span.children, depth + 1)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f}ms" if seconds < 1 else f"{seconds:.2f}s"


def render_waterfall(roots: list[Span], *, width: int = 32, name_width: int = 44) -> str:
    """One line per span: offset, duration, service, indented name and a bar on a shared time axis."""
    spans = list(walk(roots))
    if not spans:
        return "no spans"
    origin = min(s.start_ns for _, s in spans)
    total = max(1, max(s.end_ns for _, s in spans) - origin)
    services = sorted({s.service for _, s in spans})
    trace_id = spans[0][1].trace_id
    lines = [
        f"trace {trace_id}: {len(spans)} spans from {', '.join(services)}, {_duration(total / 1e9)} end to end",
        f"  {'start':>9} {'duration':>9}  {'service':<12} {'span':<{name_width}} timeline",
    ]
    for depth, span in spans:
        first = int((span.start_ns - origin) / total * width)
        last = max(first + 1, int((span.end_ns - origin) / total * width + 0.999))
        bar = " " * first + "█" * (min(width, last) - first)
        label = ("  " * depth + span.label)[:name_width]
        mark = "  ! " + span.error if span.error else ""
        lines.append(
            f"  {f'+{(span.start_ns - origin) / 1e9:.3f}s':>9} {_duration(span.duration_s):>9}  {span.service:<12} "
            f"{label:<{name_width}} |{bar:<{width}}|{mark}"
        )
    return "\n".join(lines)
