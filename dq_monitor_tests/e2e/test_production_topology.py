"""docker/compose.yaml's topology without Docker: Postgres for the Dagster instance and the findings
store, the code location as a gRPC server, the webserver and the daemon as separate processes running
exactly compose's commands. A faulty snapshot is found, stored and alerted once; a daemon restart
repeats nothing."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from dq_monitor.core.names import CHECK_EVALUATION_SENSOR
from dq_monitor.store import Store
from dq_monitor_tests.support.alerting_config import alerts_section
from dq_monitor_tests.support.alerts import SlackStandIn, SmtpStandIn
from dq_monitor_tests.support.dagster_dev import free_port, wait_for
from dq_monitor_tests.support.helpers import orders_csv, orders_dataset
from dq_monitor_tests.support.topology import (
    COMPOSE_FILE,
    Localization,
    ServiceProcess,
    compose_services,
    graphql,
    throwaway_database,
    wait_for_port,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SENSOR_TICKS = """query($name: String!) { sensorOrError(sensorSelector: {repositoryName: "__repository__",
  repositoryLocationName: "dq_monitor", sensorName: $name}) { __typename ... on Sensor {
  sensorState { ticks(limit: 200) { status skipReason error { message } } } } } }"""


def test_compose_file_is_valid_for_docker_compose(tmp_path: Path) -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose is not installed (.ci/run installs Debian's docker-compose)")
        pytest.skip("docker-compose is not installed")
    secrets = {"DAGSTER_PG_PASSWORD": "s3cret", "GRAFANA_ADMIN_PASSWORD": "g3cret", "DQ_MONITOR_READER_PASSWORD": "r3cret"}
    env = {**os.environ, **secrets}
    out = subprocess.run([binary, "-f", str(COMPOSE_FILE), "config"], env=env, capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    resolved = yaml.safe_load(out.stdout)["services"]
    assert set(resolved) == {"postgres", "code", "webserver", "daemon", "grafana"}
    assert [str(t) for t in resolved["code"]["command"]] == [str(t) for t in compose_services()["code"]["command"]]
    # Grafana: provisioning and the dashboard mounted from docker/grafana, logging in as the reader role
    mounts = {v.split(":")[1]: Path(v.split(":")[0]) for v in resolved["grafana"]["volumes"] if v.startswith("/")}
    assert (mounts["/etc/grafana/provisioning"] / "datasources/dq_monitor.yaml").is_file()
    assert (mounts["/etc/dq_monitor/dashboards"] / "dq_monitor.json").is_file()
    grafana_env, postgres_env = resolved["grafana"]["environment"], resolved["postgres"]["environment"]
    assert grafana_env["DQ_MONITOR_READER_USER"] == postgres_env["DQ_MONITOR_READER_USER"]
    assert grafana_env["DQ_MONITOR_READER_PASSWORD"] == postgres_env["DQ_MONITOR_READER_PASSWORD"] == "r3cret"
    assert grafana_env["GF_SECURITY_ADMIN_PASSWORD"] == "g3cret"
    for name in secrets:
        missing = subprocess.run([binary, "-f", str(COMPOSE_FILE), "config"],
                                 env={"PATH": os.environ["PATH"], **{k: v for k, v in secrets.items() if k != name}},
                                 capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert missing.returncode != 0 and name in missing.stderr, name


def _project(root: Path) -> Path:
    (root / "data/orders").mkdir(parents=True)
    (root / "data/orders/orders_2026-01-01.csv").write_text(orders_csv(1))
    (root / "dq_monitor.yaml").write_text(yaml.safe_dump({
        "datasets": [orders_dataset(owners=["@orders-oncall"])],
        "alerts": alerts_section(group_wait="5s"), "automation": {"sensor_interval_seconds": 2}}))
    return root


def _localization(tmp_path: Path, project: Path, dagster_db: str, store_url: str, shell: dict) -> Localization:
    code_port, web_port = free_port(), free_port()
    return Localization(
        shell={"DAGSTER_PG_PASSWORD": "ignored-by-trust-auth", "DQ_MONITOR_PROJECT": str(project), **shell},
        paths={"/opt/dagster/dagster_home": tmp_path / "dagster_home", "/opt/dagster/app": tmp_path / "app",
               "/opt/dq_monitor/project": project},
        tokens={"0.0.0.0": "127.0.0.1", "4000": str(code_port), "3000": str(web_port)},
        env={"DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_USER": "postgres", "DAGSTER_PG_DB": dagster_db,
             "DQ_MONITOR_CODE_HOST": "127.0.0.1", "DQ_MONITOR_CODE_PORT": str(code_port),
             "DQ_MONITOR_DATABASE_URL": store_url})


def _runs(instance_url: str) -> list[tuple]:
    """(run id, status, last event) of every run, to say why a run did not finish."""
    engine = sa.create_engine(instance_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(
                "select r.run_id, r.status, (select e.dagster_event_type from event_logs e where e.run_id = r.run_id "
                "order by e.id desc limit 1) from runs r order by r.create_timestamp")))
    finally:
        engine.dispose()


def _run_keys(instance_url: str) -> list[str]:
    engine = sa.create_engine(instance_url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(sa.text(
                "select t.value from run_tags t join runs r on r.run_id = t.run_id "
                "where t.key = 'dagster/run_key'")).scalars())
    finally:
        engine.dispose()


def _evaluations(store: Store, snapshot: str) -> list:
    try:
        return store.evaluations(snapshot=snapshot)
    except sa.exc.ProgrammingError:  # the code location has not created the store's tables yet
        return []


def _check_evaluation_ticks(web_port: int) -> list[dict]:
    answer = graphql(web_port, SENSOR_TICKS, {"name": CHECK_EVALUATION_SENSOR})["data"]["sensorOrError"]
    assert answer["__typename"] == "Sensor", answer
    return answer["sensorState"]["ticks"]


def test_compose_topology_alerts_once_and_survives_a_daemon_restart(tmp_path: Path, postgres_url: str) -> None:
    project = _project(tmp_path / "project")
    folder = project / "data/orders"
    logs = tmp_path / "logs"
    logs.mkdir()
    services = compose_services()
    with throwaway_database("dqm_instance") as (dagster_db, instance_url), SlackStandIn() as slack, \
            SmtpStandIn() as smtp:
        receivers = {"DQ_MONITOR_SLACK_WEBHOOK_URL": slack.webhook_url(), "DQ_MONITOR_SMTP_HOST": "127.0.0.1",
                     "DQ_MONITOR_SMTP_PORT": str(smtp.port), "DQ_MONITOR_ALERT_EMAIL_TO": "oncall@example.com"}
        secret = slack.webhook_url().split("/")[-1]
        local = _localization(tmp_path, project, dagster_db, postgres_url, receivers)
        assert not local.undeclared(services)
        code, web, daemon = (ServiceProcess(name, local, logs, services) for name in ("code", "webserver", "daemon"))
        web_port, code_port = int(local.tokens["3000"]), int(local.tokens["4000"])
        store = Store(postgres_url)
        try:
            wait_for_port(code.start(), code_port, 120)
            wait_for_port(web.start(), web_port, 120)
            daemon.start()
            wait_for(lambda: _evaluations(store, "orders_2026-01-01"), 150, what="the clean snapshot checked")
            (folder / "orders_2026-01-02.csv").write_text(orders_csv(2, rows=10))  # too few rows: ERROR
            wait_for(lambda: slack.delivered() and smtp.count(), 150, what="the first alert")
            wait_for(lambda: all(f.alert_state == "sent" for f in store.findings(status="open")), 60,
                     what="the deliveries recorded")
            daemon.stop()
            (folder / "orders_2026-01-03.csv").write_text(orders_csv(3, rows=5))  # arrives while the daemon is down
            daemon.start()
            try:
                wait_for(lambda: len(slack.delivered()) >= 2 and smtp.count() >= 2, 180, what="the second alert")
            except TimeoutError as exc:
                raise TimeoutError(f"{exc}\nruns: {_runs(instance_url)}") from exc
            time.sleep(12)  # several more sensor ticks: nothing may be sent or run again
            for service in (code, web, daemon):
                service.check_alive()
            ticks = _check_evaluation_ticks(web_port)
        finally:
            for service in (daemon, web, code):
                service.stop()
            store.dispose()
        texts = [str(r.payload) for r in slack.delivered()]
        assert len(texts) == 2 and smtp.count() == 2
        assert "orders_2026-01-02" in texts[0] and "orders_2026-01-03" in texts[1]
        assert [m["To"] for m in smtp.received()] == ["oncall@example.com", "oncall@example.com"]
        # The runs live in the Postgres instance, one per snapshot (run keys: a restart re-ran nothing).
        assert _run_keys(instance_url) == [f"orders:orders_2026-01-0{d}" for d in (1, 2, 3)]
    open_findings = Store(postgres_url).findings(status="open")
    keys = [(f.snapshot, f.check, f.key) for f in open_findings]
    assert len(keys) == len(set(keys)) and {f.snapshot for f in open_findings} == {"orders_2026-01-02",
                                                                                      "orders_2026-01-03"}
    # The check-evaluation sensor reads PostgresEventLogStorage with one cursor, tick after tick.
    assert ticks and not [t for t in ticks if t["status"] == "FAILURE"], ticks
    assert any((t["skipReason"] or "").startswith("read ") and not t["skipReason"].startswith("read 0 ")
               for t in ticks), ticks
    every_log = "".join(p.read_text(errors="replace") for p in logs.iterdir())
    assert secret not in every_log and "ignored-by-trust-auth" not in every_log
