"""The Grafana dashboards under helm/sluice/dashboards query only metrics Sluice really exports.

"Really exports" is the metric catalog (sluice/metrics.py); test_stack_telemetry.py scrapes every
process of the running stack and checks the catalog against what is served, so together these
tests tie each panel to a metric that exists.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sluice import metrics

DASHBOARDS = sorted((Path(__file__).resolve().parents[2] / "helm" / "sluice" / "dashboards").glob("*.json"))

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, keywords, labels or durations)."""
    label_values = re.fullmatch(r"\s*label_values\(\s*([a-zA-Z_:][\w:]*)\s*,.*\)\s*", expr)
    if label_values:
        return {label_values.group(1)}
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings (label values) first
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range durations
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w$:.])([a-zA-Z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if not call and name not in _KEYWORDS:
            names.add(name)
    return names


def _queries(dashboard: dict) -> list[tuple[str, str]]:
    found = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        if variable.get("type") == "query":
            found.append((f"variable {variable['name']}", query["query"] if isinstance(query, dict) else query))
    return found


def test_the_parser_finds_metrics_and_nothing_else():
    expr = (
        'histogram_quantile(0.95, sum by (le, rpc_method) (rate(sluice_rpc_duration_seconds_bucket{a="b c"}'
        "[$__rate_interval]))) / ignoring(x) sum(sluice_jobs) * 60"
    )
    assert metric_names(expr) == {"sluice_rpc_duration_seconds_bucket", "sluice_jobs"}
    assert metric_names("label_values(sluice_kafka_consumer_lag, group)") == {"sluice_kafka_consumer_lag"}


def test_there_are_dashboards():
    assert {p.name for p in DASHBOARDS} >= {"sluice-pipeline.json", "sluice-autoscaler.json"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_queries_metrics_the_code_exports(path: Path):
    dashboard = json.loads(path.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    exported = metrics.prometheus_names()
    for panel in dashboard["panels"]:
        assert panel.get("targets"), f"panel {panel['title']!r} has no query"
    for title, expr in _queries(dashboard):
        names = metric_names(expr)
        assert names, f"{title!r}: no metric in {expr!r}"
        unknown = names - exported
        assert not unknown, f"{path.name}, {title!r} queries metrics nobody exports: {sorted(unknown)}"
