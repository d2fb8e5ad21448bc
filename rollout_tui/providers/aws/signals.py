"""CloudWatch reads for the gate: the warning metric, optional app-health gauges, and alarms.

- Warnings: `GetMetricData` of the warning metric over [start, end) with the configured statistic (`Sum` by
  default) and period; the values of every returned period are added up. A metric with no data points in the
  window counts as 0 warnings: CloudWatch stores no zeros for a publisher that only reports warnings when they
  happen. No `warning_metric` in the plan means the signals are unreadable (the gate fails closed).
- App health: per configured fleet, the latest data point in the window of `healthy` and of `unhealthy`;
  fleets are added up into `apps_healthy` / `apps_corrupted`. A gauge with no data point leaves its fleet out;
  with no data at all the field stays unknown (None).
- Alarms: `DescribeAlarms` (metric and composite) of the configured names; those in `ALARM` are returned.
  A configured alarm that does not exist is unreadable: a misspelt name must not silently disarm the gate.
- A query whose status is not `Complete` after all pages, or any failed call, is unreadable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollout_tui.providers.aws.calls import Caller
from rollout_tui.providers.aws.settings import AwsSettings, MetricSpec
from rollout_tui.providers.base import ProviderError, Signals, SignalsUnreadableError


def _query(query_id: str, metric: MetricSpec, statistic: str) -> dict[str, Any]:
    return {
        "Id": query_id,
        "MetricStat": {"Metric": metric.metric(), "Period": metric.period_seconds, "Stat": statistic},
        "ReturnData": True,
    }


def _unreadable(err: ProviderError) -> SignalsUnreadableError:
    return SignalsUnreadableError(err.operation, err.detail, throttled=err.throttled, retryable=err.retryable)


def read_signals(caller: Caller, settings: AwsSettings, start: datetime, end: datetime) -> Signals:
    """Signals for [start, end); raises `SignalsUnreadableError` for anything it cannot read."""
    if settings.warning_metric is None:
        raise SignalsUnreadableError(
            "GetMetricData", "no warning metric configured (provider.aws.warning_metric)", retryable=False
        )
    queries = [_query("warnings", settings.warning_metric, settings.warning_metric.statistic)]
    health = settings.app_health
    for fleet in ("old", "new"):
        fleet_health = getattr(health, fleet) if health is not None else None
        if fleet_health is not None:
            queries.append(_query(f"{fleet}_healthy", fleet_health.healthy, fleet_health.healthy.statistic))
            queries.append(
                _query(f"{fleet}_unhealthy", fleet_health.unhealthy, fleet_health.unhealthy.statistic)
            )
    try:
        series = _metric_data(caller, queries, start, end)
        alarms = _alarms_firing(caller, settings.alarm_names)
    except SignalsUnreadableError:
        raise
    except ProviderError as err:
        raise _unreadable(err) from None
    warnings = round(sum(value for _, value in series.get("warnings", [])))
    return Signals(
        start=start,
        end=end,
        warnings=warnings,
        apps_healthy=_latest_total(series, "healthy"),
        apps_corrupted=_latest_total(series, "unhealthy"),
        alarms=tuple(alarms),
    )


def _metric_data(
    caller: Caller, queries: list[dict[str, Any]], start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, float]]]:
    """Data points per query id, from every page."""
    series: dict[str, list[tuple[datetime, float]]] = {q["Id"]: [] for q in queries}
    status: dict[str, str] = {}
    for page in caller.pages(
        "cloudwatch", "GetMetricData", MetricDataQueries=queries, StartTime=start, EndTime=end
    ):
        for result in page.get("MetricDataResults", []):
            query_id = result["Id"]
            series[query_id].extend(zip(result.get("Timestamps", []), result.get("Values", []), strict=False))
            status[query_id] = str(result.get("StatusCode", "Complete"))
    for query_id, code in status.items():
        if code != "Complete":
            raise SignalsUnreadableError("GetMetricData", f"metric query {query_id} returned status {code}")
    return series


def _latest_total(series: dict[str, list[tuple[datetime, float]]], suffix: str) -> int | None:
    """Sum over fleets of each fleet's latest value of `<fleet>_<suffix>`; None when no fleet has data."""
    values = [max(points)[1] for key, points in series.items() if key.endswith(f"_{suffix}") and points]
    return round(sum(values)) if values else None


def _alarms_firing(caller: Caller, names: list[str]) -> list[str]:
    """The configured alarms in ALARM state; unreadable when one does not exist."""
    if not names:
        return []
    found: dict[str, str] = {}
    for chunk in range(0, len(names), 100):
        for page in caller.pages(
            "cloudwatch",
            "DescribeAlarms",
            AlarmNames=names[chunk : chunk + 100],
            AlarmTypes=["MetricAlarm", "CompositeAlarm"],
        ):
            for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
                found[alarm["AlarmName"]] = alarm["StateValue"]
    missing = [name for name in names if name not in found]
    if missing:
        raise SignalsUnreadableError(
            "DescribeAlarms",
            f"alarm(s) not found: {', '.join(missing)} (provider.aws.alarm_names)",
            retryable=False,
        )
    return [name for name in names if found[name] == "ALARM"]
