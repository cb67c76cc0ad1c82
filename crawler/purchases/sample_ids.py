"""Sample IDs (样品编号): ``WG-2026-12-SH-0001``.

``WG`` (网购, online purchase; configurable), the plan's period (``2026-12``, ``2026-Q4``, ``2026-H2`` or
``2026``), the bureau's region code (``SH``), and a four-digit sequence that counts up within the
period and region. IDs are never reused: the next number follows the highest one issued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PATTERN = re.compile(
    r"^(?P<prefix>[A-Z]{1,4})-(?P<period>\d{4}(?:-\d{2}|-Q[1-4]|-H[12])?)-(?P<region>[A-Z][A-Z0-9]{1,5})-(?P<seq>\d{4,})$"
)


@dataclass(frozen=True)
class SampleId:
    prefix: str
    period: str
    region: str
    sequence: int

    def __str__(self) -> str:
        return f"{self.prefix}-{self.period}-{self.region}-{self.sequence:04d}"

    @property
    def series(self) -> str:
        """The part before the sequence, shared by every sample of the period and region."""
        return f"{self.prefix}-{self.period}-{self.region}-"


def format_sample_id(prefix: str, period: str, region: str, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("the sequence starts at 1")
    text = str(SampleId(prefix, period, region, sequence))
    if not PATTERN.match(text):
        raise ValueError(f"{text!r} is not a valid sample ID")
    return text


def parse_sample_id(text: str) -> SampleId:
    m = PATTERN.match((text or "").strip())
    if not m:
        raise ValueError(f"{text!r} is not a sample ID like WG-2026-12-SH-0001")
    return SampleId(m["prefix"], m["period"], m["region"], int(m["seq"]))


def next_sequence(existing: list[str], series: str) -> int:
    """One more than the highest sequence among ``existing`` IDs of ``series``."""
    highest = 0
    for code in existing:
        if not code.startswith(series):
            continue
        try:
            highest = max(highest, parse_sample_id(code).sequence)
        except ValueError:
            continue
    return highest + 1
