"""compose.yaml's `citus` profile, checked by reading (no Docker engine runs where the tests
do): three nodes of one image, a one-shot init that the app waits for, the app on the
coordinator, and an init script that is valid shell doing the provisioning steps in order."""

import shutil
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_the_citus_profile_is_a_coordinator_two_workers_an_init_and_the_app():
    services = _services()
    citus = {name for name, s in services.items() if "citus" in s.get("profiles", [])}
    assert citus == {"citus-coordinator", "citus-worker-1", "citus-worker-2", "citus-init",
                     "app-citus"}
    nodes = [services[n] for n in ("citus-coordinator", "citus-worker-1", "citus-worker-2")]
    assert {n["image"] for n in nodes} == {"groundwork-citus:dev"}
    assert (ROOT / nodes[0]["build"]["context"] / "Dockerfile").is_file()
    assert services["citus-init"]["depends_on"].keys() == {n for n in citus if n.startswith(
        "citus-") and n != "citus-init"}
    app = services["app-citus"]
    assert app["depends_on"]["citus-init"] == {"condition": "service_completed_successfully"}
    assert "@citus-coordinator:5432/groundwork" in app["environment"]["DATABASE_URL"]
    observability = {"prometheus", "grafana"}  # a profile of their own
    assert all(s.get("profiles") is None for n, s in services.items()
               if n not in citus | observability)


def test_the_init_script_provisions_in_the_order_citus_needs():
    script = ROOT / "deploy" / "citus" / "init.sh"
    shell = shutil.which("sh")
    assert subprocess.run([shell, "-n", str(script)], check=False).returncode == 0  # noqa: S603
    text = script.read_text()
    order = [text.index(step) for step in (
        "CREATE ROLE", "GRANT CREATE ON SCHEMA public", "citus_set_coordinator_host",
        "citus_add_node", "CREATE EXTENSION IF NOT EXISTS vector",
        "citus.propagate_set_commands = 'local'")]
    assert order == sorted(order)
    mounted = _services()["citus-init"]["volumes"][0].split(":")[0]
    assert (ROOT / mounted).resolve() == script
