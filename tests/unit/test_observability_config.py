"""compose's `observability` profile, read (no Docker engine runs where the tests do): Prometheus
scrapes the app and loads the alert rules, Grafana is provisioned with the dashboard, and every
metric the dashboard and the rules name is one that /metrics exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from entrypoints.http.app import create_app

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "deploy" / "observability"
_METRIC = re.compile(r"\bgroundwork_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count")}


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads((HERE / "grafana" / "dashboards" / "groundwork.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _rules() -> list[dict]:
    return [rule for group in yaml.safe_load((HERE / "alerts.yml").read_text())["groups"]
            for rule in group["rules"]]


def _exported(container) -> set[str]:
    """The series names /metrics exports, by each family's type (a labelled counter that has
    not counted yet still has its HELP and TYPE)."""
    client = create_app(container).test_client()
    client.get("/health")
    client.post("/api/v1/auth/login", json={"email": "nobody@example.test", "password": "x" * 12})
    text = client.get("/metrics").get_data(as_text=True)
    return {family.name + suffix for family in text_string_to_metric_families(text)
            if family.name.startswith("groundwork_")
            for suffix in SUFFIXES[family.type]}


@pytest.mark.postgres
def test_every_metric_the_dashboard_and_the_rules_name_is_exported(pg_container):
    exported = _exported(pg_container)
    named = {name for text in _dashboard_expressions() + [r["expr"] for r in _rules()]
             for name in _METRIC.findall(text)}
    assert named and named <= exported, sorted(named - exported)


def test_the_dashboard_shows_what_an_operator_looks_at_first():
    expressions = " ".join(_dashboard_expressions())
    for needed in ("groundwork_http_requests_total", "histogram_quantile(0.5",
                   "histogram_quantile(0.99", 'status=~"5.."', "groundwork_db_pool_in_use",
                   "groundwork_logins_total", "groundwork_http_throttled_total",
                   "groundwork_jobs_waiting"):
        assert needed in expressions, needed


def test_the_rules_alert_on_errors_latency_the_database_the_pool_and_the_job_backlog():
    rules = {rule["alert"]: rule for rule in _rules()}
    assert set(rules) == {"GroundworkHighErrorRate", "GroundworkSlowP99",
                          "GroundworkDatabaseDown", "GroundworkJobBacklog",
                          "GroundworkPoolExhausted"}
    for rule in rules.values():
        assert rule["for"] and rule["labels"]["severity"] and rule["annotations"]["summary"]


def test_the_profile_scrapes_the_app_and_provisions_grafana():
    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    profile = {name for name, s in services.items() if "observability" in s.get("profiles", [])}
    assert profile == {"prometheus", "grafana"}
    for name in profile:
        assert services[name]["healthcheck"]["test"]
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
    prometheus = yaml.safe_load((HERE / "prometheus.yml").read_text())
    [job] = prometheus["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == ["app:8000"]
    assert prometheus["rule_files"] == ["/etc/prometheus/alerts.yml"]
    provider = yaml.safe_load((HERE / "grafana/provisioning/dashboards/groundwork.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
