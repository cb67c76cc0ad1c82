"""Responses kept with the run: every page that ended ``layout_changed``, and a few of each other outcome.

The first night a platform changes its pages, the pages that showed it are the only way to write the new
page object without waiting a day; and a small sample of pages that read well, per layout, shows what
"well" looked like that night. They go to ``<data_dir>/runs/<run>/pages/<platform>-<pid>.warc.gz`` as
WARC response records (one gzip member per record, so several processes of one run never share a file
and a file cut short by a crash still reads up to its last whole record). Each record carries the
platform, the page kind (search or item), the item id, the outcome, the layout and what was missing, in
``WARC-Surveil-*`` fields; ``surveil pages replay RUN`` reads them back with today's page objects.

Scrapy hands over bodies already decoded, so ``Content-Encoding`` and ``Transfer-Encoding`` are left out of
the stored headers and ``Content-Length`` is the stored length.
"""

from __future__ import annotations

import io
import os
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.pages.base import PageOutcome

DECODED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
#: Layout-changed pages kept per platform and run at most (a platform that changed everything would
#: otherwise keep every page of the night).
CHANGED_LIMIT = 200


def pages_dir(data_dir: Path | str, run_id: int) -> Path:
    return Path(data_dir) / "runs" / str(run_id) / "pages"


@dataclass(frozen=True, kw_only=True)
class KeptPage:
    """One kept response, as read back for replay."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    platform: str
    kind: str  # search | item
    item_id: str
    outcome: PageOutcome
    layout: str
    problems: str
    category: str
    fetched_at: str


class PageKeeper:
    """Writes kept responses for one platform of one run; ``samples`` pages per outcome, kind and layout
    besides every ``layout_changed`` page (up to :data:`CHANGED_LIMIT`)."""

    def __init__(self, directory: Path, platform: str, samples: int = 2) -> None:
        self.directory = directory
        self.platform = platform
        self.samples = samples
        self.counts: dict[tuple[str, str, str], int] = defaultdict(int)
        self.kept = 0

    @property
    def path(self) -> Path:
        return self.directory / f"{self.platform}-{os.getpid()}.warc.gz"

    def wanted(self, kind: str, outcome: PageOutcome, layout: str) -> bool:
        key = (kind, str(outcome), layout)
        limit = CHANGED_LIMIT if outcome is PageOutcome.LAYOUT_CHANGED else self.samples
        if self.counts[key] >= limit:
            return False
        self.counts[key] += 1
        return True

    def keep(
        self,
        response: Any,
        *,
        kind: str,
        outcome: PageOutcome,
        layout: str,
        now: datetime,
        category: str = "",
        item_id: str = "",
        problems: str = "",
    ) -> bool:
        """Keep this response if the sampling wants it; True when written."""
        if not self.wanted(kind, outcome, layout):
            return False
        self.directory.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=True)
        body = bytes(response.body or b"")
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
            if k.decode("latin-1").lower() not in DECODED_HEADERS
        ]
        headers.append(("Content-Length", str(len(body))))
        status = int(response.status)
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        fields = {
            "WARC-Date": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "WARC-Surveil-Platform": self.platform,
            "WARC-Surveil-Kind": kind,
            "WARC-Surveil-Outcome": str(outcome),
            "WARC-Surveil-Layout": layout,
            "WARC-Surveil-Category": category,
            "WARC-Surveil-Item-Id": item_id,
            "WARC-Surveil-Problems": _clean(problems)[:2000],
        }
        record = writer.create_warc_record(
            response.url,
            "response",
            payload=io.BytesIO(body),
            http_headers=StatusAndHeaders(f"{status} {reason}", headers, protocol="HTTP/1.1"),
            warc_headers_dict={k: v for k, v in fields.items() if v},
        )
        writer.write_record(record)
        with self.path.open("ab") as out:
            out.write(buffer.getvalue())
        self.kept += 1
        return True


def _clean(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def read_kept(directory: Path) -> Iterator[KeptPage]:
    """Every kept response of a run, file by file in name order."""
    if not directory.is_dir():
        return
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    continue
                w = record.rec_headers
                http = record.http_headers
                yield KeptPage(
                    url=w.get_header("WARC-Target-URI") or "",
                    status=int(http.get_statuscode() or 200),
                    headers=list(http.headers),
                    body=record.content_stream().read(),
                    platform=w.get_header("WARC-Surveil-Platform") or "",
                    kind=w.get_header("WARC-Surveil-Kind") or "",
                    item_id=w.get_header("WARC-Surveil-Item-Id") or "",
                    outcome=PageOutcome(w.get_header("WARC-Surveil-Outcome") or "ok"),
                    layout=w.get_header("WARC-Surveil-Layout") or "",
                    problems=w.get_header("WARC-Surveil-Problems") or "",
                    category=w.get_header("WARC-Surveil-Category") or "",
                    fetched_at=w.get_header("WARC-Date") or "",
                )
