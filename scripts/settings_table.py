"""The README's generated tables: settings (from the settings classes) and metrics (from the metric
catalog). `--write` updates README.md (`make docs`); tests/unit/test_readme.py fails when they disagree."""

from __future__ import annotations

import sys
from pathlib import Path

from sluice.metrics import CATALOG
from sluice.settings import CommonSettings, IngestSettings, ProcessorSettings, ProvisionSettings, StatusSettings


def rows() -> list[tuple[str, str, str, str]]:
    found: dict[str, tuple[str, str, str, str]] = {}
    for cls, who in (
        (CommonSettings, "all"),
        (IngestSettings, "ingest"),
        (ProcessorSettings, "processor"),
        (StatusSettings, "status"),
        (ProvisionSettings, "provision"),
    ):
        for name in cls.__annotations__:  # own fields only; CommonSettings' come once, as "all"
            info = cls.model_fields[name]
            env = f"SLUICE_{name.upper()}"
            if env in found:  # declared by two services: one row naming both
                first = found[env]
                shown = (
                    first[1]
                    if first[1] == f"`{info.default}`"
                    else f"{first[1]} ({first[2]}), `{info.default}` ({who})"
                )
                found[env] = (env, shown, f"{first[2]}, {who}", first[3])
                continue
            shown = "(empty)" if info.default in ("", None) else f"`{info.default}`"
            found[env] = (env, shown, who, info.description or "")
    return list(found.values())


def table() -> str:
    lines = ["| Variable | Default | Used by | Meaning |", "| --- | --- | --- | --- |"]
    lines += [f"| `{env}` | {default} | {who} | {text} |" for env, default, who, text in rows()]
    return "\n".join(lines)


def metrics_table() -> str:
    lines = ["| Metric (Prometheus) | Type | Labels | Served by | Meaning |", "| --- | --- | --- | --- | --- |"]
    lines += [
        f"| `{m.prometheus_name}` | {m.kind.value} | {', '.join(m.labels) or '-'} | {', '.join(m.exported_by)} "
        f"| {m.description} |"
        for m in CATALOG
    ]
    return "\n".join(lines)


def _replace(text: str, start_marker: str, end_marker: str, body: str) -> str:
    start = text.index(start_marker) + len(start_marker)
    end = text.index(end_marker)
    return text[:start] + "\n" + body + "\n" + text[end:]


def write_readme(path: Path) -> None:
    """Replace the tables between the README's markers."""
    text = _replace(path.read_text(), START, END, table())
    path.write_text(_replace(text, METRICS_START, METRICS_END, metrics_table()))


START = "<!-- settings:start (generated: `make docs`) -->"
END = "<!-- settings:end -->"
METRICS_START = "<!-- metrics:start (generated: `make docs`) -->"
METRICS_END = "<!-- metrics:end -->"

if __name__ == "__main__":
    if "--write" in sys.argv:
        write_readme(Path(__file__).resolve().parent.parent / "README.md")
    else:
        print(table())
