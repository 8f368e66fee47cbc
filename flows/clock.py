"""One clock. Every timestamp reviewlens writes is UTC (naive DuckDB TIMESTAMPs hold UTC; connections run with
TimeZone = 'UTC'); a run date is the day in the configured time zone (setting `timezone`, "" = this machine's)."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reviewlens.flows.config import ConfigError


def utc_now() -> datetime:
    """Now in UTC as a naive datetime, the form the store's TIMESTAMP columns hold."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def zone(name: str) -> tzinfo | None:
    """The zone the `timezone` setting names; None for "" (this machine's local zone).
    zone('Europe/Berlin') -> ZoneInfo(key='Europe/Berlin')"""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):       # OSError: a folder of zones, e.g. "Europe"
        raise ConfigError(f"setting 'timezone' is {name!r}, not an IANA time zone such as 'Europe/Berlin' "
                          "(or \"\" for this machine's zone).") from None


def run_date_at(instant: datetime, zone_name: str) -> date:
    """The run date of an instant: its day in the zone (a naive instant is UTC, as stored).
    run_date_at(datetime(2026, 11, 28, 23, 30), 'Asia/Shanghai') -> date(2026, 11, 29)"""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone(zone_name)).date()


def today(zone_name: str) -> date:
    """Today's run date in the configured zone."""
    return run_date_at(datetime.now(timezone.utc), zone_name)
