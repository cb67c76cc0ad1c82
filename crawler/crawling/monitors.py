"""Field coverage of a night, checked against the nights before it (spidermon-style monitors).

A platform can change its pages so that rows keep coming but a field no longer does: the price moves to a
new key, the shop name to a nested object. The counts look healthy; the matching goes blind. So for each
platform × night the storage pipeline counts, of the rows seen that night, how many have each monitored
field (:data:`FIELDS`), and this module compares the shares with the median share of the previous nights:

    share(field, night) = 100 × rows with the field / rows            (percentage points)
    alarm when  median(share over the last ``window`` nights) − share(tonight) > ``threshold``

A night with fewer than ``min_rows`` rows is neither judged nor used as history (a handful of rows says
little). The first nights have no history and raise no alarm. Nothing here reads a clock or a database:
:func:`field_alarms` is arithmetic over numbers; the pipeline passes in the counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

#: The monitored fields, in report order: what matching and evidence cannot do without.
FIELDS = ("id", "title", "price", "shop", "image")
#: A fall of more than this many percentage points below the previous nights' median is an alarm.
THRESHOLD = 20.0
#: Previous nights compared against.
WINDOW = 7
MIN_ROWS = 5


@dataclass(frozen=True, kw_only=True)
class FieldAlarm:
    platform: str
    field: str
    share: float  # tonight, in percent of rows
    median: float  # the previous nights' median, in percent
    nights: int  # how many previous nights the median is over

    def __str__(self) -> str:
        return (
            f"{self.platform}: {self.field} on {self.share:.0f}% of rows tonight, "
            f"median {self.median:.0f}% over the previous {self.nights} night(s)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "field": self.field,
            "share": round(self.share, 1),
            "median": round(self.median, 1),
            "nights": self.nights,
        }


def shares(counts: Mapping[str, int]) -> dict[str, float] | None:
    """``{"rows": n, "price": k, …}`` -> percent per field, or None with too few rows to judge."""
    rows = int(counts.get("rows") or 0)
    if rows < MIN_ROWS:
        return None
    return {name: 100.0 * int(counts.get(name) or 0) / rows for name in FIELDS}


def field_alarms(
    platform: str,
    tonight: Mapping[str, int],
    history: Sequence[Mapping[str, int]],
    *,
    threshold: float = THRESHOLD,
    window: int = WINDOW,
) -> list[FieldAlarm]:
    """Alarms for tonight's field counts against the previous nights' (most recent first)."""
    now = shares(tonight)
    if now is None:
        return []
    past = [s for s in (shares(h) for h in history) if s is not None][:window]
    if not past:
        return []
    alarms = []
    for name in FIELDS:
        typical = median(s[name] for s in past)
        if typical - now[name] > threshold:
            alarms.append(
                FieldAlarm(platform=platform, field=name, share=now[name], median=typical, nights=len(past))
            )
    return alarms


def alarms_of_run(run: Any) -> list[str]:
    """The field alarms the pipeline wrote into a run's summary, as report lines."""
    lines = []
    for platform, info in sorted(((run.summary or {}).get("platforms") or {}).items()):
        for alarm in info.get("field_alarms") or []:
            lines.append(str(FieldAlarm(**{**alarm, "platform": platform})))
    return lines
