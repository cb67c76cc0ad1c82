"""Write a capture's HTTP exchanges as WARC (ISO 28500) request and response records, with warcio.

The bodies are the bytes the browser received after any transfer decoding: Playwright hands over the
decoded body, so ``Content-Encoding`` and ``Transfer-Encoding`` are taken out of the stored response
headers and ``Content-Length`` is set to the stored length; the original values are kept in the record's
``WARC-Surveil-Original-Headers`` field so nothing is hidden.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.evidence.exchanges import Exchange

DECODED_HEADERS = ("content-encoding", "transfer-encoding")


def warc_date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _clean(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def _response_headers(exchange: Exchange) -> tuple[list[tuple[str, str]], list[str]]:
    kept: list[tuple[str, str]] = []
    changed: list[str] = []
    for name, value in exchange.response_headers:
        lowered = name.lower()
        if lowered in DECODED_HEADERS:
            changed.append(f"{name}: {value}")
            continue
        if lowered == "content-length":
            if value.strip() != str(len(exchange.body)):
                changed.append(f"{name}: {value}")
            continue
        kept.append((name, _clean(value)))
    kept.append(("Content-Length", str(len(exchange.body))))
    return kept, changed


def write_warc(
    exchanges: Iterable[Exchange], info: dict[str, Any], filename: str = "exchanges.warc.gz"
) -> bytes:
    """The exchanges as a gzipped WARC file (one gzip member per record), warcinfo first."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(writer.create_warcinfo_record(filename, {k: str(v) for k, v in info.items() if v}))
    for exchange in exchanges:
        if exchange.status is None:
            continue
        date = warc_date(exchange.started_at)
        headers, changed = _response_headers(exchange)
        reason = exchange.reason or _reason(exchange.status)
        warc_fields = {"WARC-Date": date}
        if exchange.fetched_url and exchange.fetched_url != exchange.url:
            warc_fields["WARC-Surveil-Fetched-URI"] = exchange.fetched_url
        if exchange.resource_type:
            warc_fields["WARC-Surveil-Resource-Type"] = exchange.resource_type
        if changed:
            warc_fields["WARC-Surveil-Original-Headers"] = _clean(" | ".join(changed))
        response = writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.body),
            length=len(exchange.body),
            http_headers=StatusAndHeaders(
                f"{exchange.status} {reason}".strip(), headers, protocol="HTTP/1.1"
            ),
            warc_headers_dict=warc_fields,
        )
        request_headers = [(k, _clean(v)) for k, v in exchange.request_headers if not k.startswith(":")]
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.insert(0, ("Host", urlsplit(exchange.url).netloc))
        request = writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(exchange.request_body),
            length=len(exchange.request_body),
            http_headers=StatusAndHeaders(
                f"{exchange.method} {_request_target(exchange.url)} HTTP/1.1",
                request_headers,
                is_http_request=True,
            ),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(response)
        writer.write_record(request)
    return buffer.getvalue()


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


@dataclass(frozen=True)
class WarcEntry:
    record_type: str
    uri: str
    status: str
    mime: str
    body: bytes


def read_warc(data: bytes) -> Iterator[WarcEntry]:
    """Read a WARC back (any standard reader would do); used by tests and the summary."""
    for record in ArchiveIterator(io.BytesIO(data)):
        status = record.http_headers.get_statuscode() if record.http_headers else ""
        mime = record.http_headers.get_header("Content-Type", "") if record.http_headers else ""
        yield WarcEntry(
            record.rec_type,
            record.rec_headers.get_header("WARC-Target-URI") or "",
            status or "",
            mime or "",
            record.content_stream().read(),
        )
