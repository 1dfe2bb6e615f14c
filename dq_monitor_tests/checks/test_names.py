"""Names are public (alert routes, dashboards and the demo ground truth use them): pin them."""

import pytest

from dq_monitor.core import names
from dq_monitor.core.names import CheckType


@pytest.mark.parametrize("build, expected", [
    (names.snapshot_asset, "orders_snapshot"),
    (names.drift_report_asset, "orders_drift_report"),
    (names.anomalies_asset, "orders_anomalies"),
    (names.anomaly_model_asset, "orders_anomaly_model"),
    (names.readable_check, "orders_snapshot_is_readable"),
    (names.schema_contract_check, "orders_schema_matches_contract"),
    (names.schema_unchanged_check, "orders_schema_unchanged"),
    (names.row_count_bounds_check, "orders_row_count_in_bounds"),
    (names.row_count_change_check, "orders_row_count_change_is_normal"),
    (names.freshness_check, "orders_is_fresh"),
    (names.source_check, "orders_source_is_available"),
    (names.expectation_suite_check, "orders_passes_expectation_suite"),
    (names.drift_check, "orders_has_no_dataset_drift"),
    (names.anomaly_rate_check, "orders_anomaly_rate_is_normal"),
    (names.snapshot_partitions, "orders_snapshots"),
    (names.snapshot_job, "orders_snapshot_job"),
    (names.snapshot_sensor, "orders_new_snapshot_sensor"),
    (names.snapshot_schedule, "orders_schedule"),
    (names.anomaly_model_job, "orders_anomaly_model_job"),
    (names.anomaly_model_sensor, "orders_anomaly_model_sensor"),
    (names.anomaly_model_schedule, "orders_anomaly_model_schedule"),
])
def test_every_name_keeps_its_published_spelling(build, expected) -> None:
    assert build("orders") == expected


def test_monitor_checks_name_metric_and_a_sanitised_column() -> None:
    assert names.monitor_check("orders", "row_count") == "orders_row_count_is_normal"
    assert names.monitor_check("orders", "null_rate", "e-mail address") == "orders_null_rate_e_mail_address_is_normal"
    assert names.monitor_check("orders", "null_rate", "***") == "orders_null_rate_column_is_normal"


def test_findings_of_drift_and_anomaly_checks_belong_to_their_own_assets() -> None:
    assert names.asset_for_check_type("orders", "drift") == "orders_drift_report"
    assert names.asset_for_check_type("orders", CheckType.ANOMALY) == "orders_anomalies"
    assert names.asset_for_check_type("orders", "schema") == "orders_snapshot"
    assert names.asset_for_check_type("orders", "not a type") == "orders_snapshot"
    assert names.asset_for_metric("orders", "drift_share") == "orders_drift_report"
    assert names.asset_for_metric("orders", "null_rate") == "orders_snapshot"
    assert names.own_asset_names("orders") == {"orders_snapshot", "orders_drift_report", "orders_anomalies",
                                               "orders_anomaly_model"}


def test_check_types_keep_the_strings_stored_with_findings_and_matched_by_alert_routes() -> None:
    assert {t.value for t in CheckType} == {"readability", "schema", "volume", "freshness", "expectations", "drift",
                                            "anomaly", "metric", "dagster", "source"}
    assert CheckType.HISTORY == "metric"
