"""The bilingual README of an export package: what is inside and how to check it with standard tools."""

from __future__ import annotations

from crawler import __version__

README_TEMPLATE = """# 证据包 / Evidence package — {title}

生成 / Exported: {exported_at} (UTC) · surveil {version}

## 中文

本证据包保存了网上商品页面在采集时的状态（证据保全），对应标记（flag）{flag_id}，共 {capture_count} 次采集。

内容：
- `summary.html`（及 `summary.pdf`）：一页摘要，含手机截图，可直接归入案卷。
- `captures/<编号>/manifest.json`：每次采集的清单，列出每个文件的 SHA-256、采集时间（UTC）、请求与最终网址、平台、模拟设备、软件版本和所属爬取批次。
- `captures/<编号>/screenshot.png`（整页手机截图）、`page.html`（渲染后的页面）、`exchanges.warc.gz`（原始 HTTP 请求与响应，WARC 格式，含正文）、`photos/`（商品图片）。
- `log/evidence-log.jsonl`：证据日志中从本包第一条记录到导出时最新一条的原文；每一行的 `prev` 是上一行的 SHA-256，构成哈希链。`log/CHAIN.txt` 列出每行的 SHA-256。
{tsa_zh}
核验步骤（只需标准工具）：
1. 在本目录执行 `sha256sum -c SHA256SUMS`，每个文件都应显示 “OK”（Windows 可用 `certutil -hashfile 文件 SHA256` 逐个比对）。
2. 每个 `manifest.json` 中 `artefacts` 列出的 `sha256` 应与对应文件的 `sha256sum` 一致。
3. `sha256sum captures/<编号>/manifest.json` 的结果应等于日志中该采集记录的 `manifest_sha256`。
4. 日志哈希链：`sed -n 'Kp' log/evidence-log.jsonl | tr -d '\\n' | sha256sum` 应等于第 K+1 行的 `prev`；`seq` 连续递增。任何删除、调换或修改都会使链断开。第一行的 `prev` 指向本包之前的日志记录，可在原系统中用 `surveil evidence verify --all` 核对。
5. WARC 文件可用任何 WARC 阅读器打开，例如 `warcio index captures/<编号>/exchanges.warc.gz`、`warcio extract`，或 ReplayWeb.page；`warcio check captures/<编号>/exchanges.warc.gz` 核对每条记录自带的摘要（WARC-Block-Digest / WARC-Payload-Digest）。

## English

This package preserves what an online listing showed when it was captured, for flag {flag_id}: {capture_count} capture(s).

Contents:
- `summary.html` (and `summary.pdf`): a one-page summary with the mobile screenshot, for the case file.
- `captures/<id>/manifest.json`: each capture's manifest: the SHA-256 of every file, capture time (UTC), requested and final URL, platform, emulated device, software version and crawl run.
- `captures/<id>/screenshot.png` (full-page mobile screenshot), `page.html` (the page as rendered), `exchanges.warc.gz` (the raw HTTP requests and responses, bodies included, as WARC), `photos/` (the listing's photos).
- `log/evidence-log.jsonl`: the evidence log, verbatim, from this package's first entry to the newest entry at export time. Each line's `prev` is the SHA-256 of the line before it: a hash chain. `log/CHAIN.txt` lists every line's SHA-256.
{tsa_en}
How to check it (standard tools only):
1. In this directory run `sha256sum -c SHA256SUMS`; every file must say "OK".
2. The `sha256` of every entry under `artefacts` in a `manifest.json` must equal `sha256sum` of that file.
3. `sha256sum captures/<id>/manifest.json` must equal the `manifest_sha256` of that capture's log entry.
4. Log chain: `sed -n 'Kp' log/evidence-log.jsonl | tr -d '\\n' | sha256sum` must equal the `prev` of line K+1, and `seq` must count up by one. Removing, reordering or editing any line breaks the chain. The first line's `prev` points to the log entry before this package; the full log is checked where it is kept with `surveil evidence verify --all`.
5. Open the WARC files with any WARC reader, e.g. `warcio index captures/<id>/exchanges.warc.gz`, `warcio extract`, or ReplayWeb.page; `warcio check captures/<id>/exchanges.warc.gz` checks every record's own digests (WARC-Block-Digest / WARC-Payload-Digest).
"""

TSA_ZH = """- `captures/<编号>/manifest.json.tsr`：可信时间戳（RFC 3161），由时间戳服务机构（{tsa}）对清单的 SHA-256 签发；`tsa/` 中是令牌所带的证书。
  核验：`openssl ts -verify -token_in -in captures/<编号>/manifest.json.tsr -data captures/<编号>/manifest.json -CAfile <该机构的根证书>`（`tsa/` 中的证书可用于查看，信任应基于从该机构取得的根证书）。
"""
TSA_EN = """- `captures/<id>/manifest.json.tsr`: a trusted timestamp (RFC 3161) issued by a timestamp authority ({tsa}) over the manifest's SHA-256; `tsa/` holds the certificates the token carries.
  Check: `openssl ts -verify -token_in -in captures/<id>/manifest.json.tsr -data captures/<id>/manifest.json -CAfile <the authority's root certificate>` (the certificates in `tsa/` are for inspection; trust comes from the authority's own root certificate).
"""
NO_TSA_ZH = """- **时间说明：本包中的所有时间均为采集系统自身的时钟（UTC），未经第三方可信时间戳机构认证。**
"""
NO_TSA_EN = """- **About the times: every time in this package is the capturing system's own clock (UTC). No trusted timestamp authority attested them.**
"""
PARTIAL_TSA_ZH = """- 注意：以下采集没有可信时间戳，其时间为采集系统自身的时钟：{ids}。
"""
PARTIAL_TSA_EN = """- Note: these captures have no trusted timestamp; their times are the capturing system's own clock: {ids}.
"""


def readme(
    *,
    title: str,
    flag_id: int,
    exported_at: str,
    capture_count: int,
    tsa_names: list[str],
    untimestamped: list[int],
) -> str:
    if tsa_names:
        tsa = ", ".join(sorted(set(tsa_names)))
        tsa_zh, tsa_en = TSA_ZH.format(tsa=tsa), TSA_EN.format(tsa=tsa)
        if untimestamped:
            ids = ", ".join(str(i) for i in untimestamped)
            tsa_zh += PARTIAL_TSA_ZH.format(ids=ids)
            tsa_en += PARTIAL_TSA_EN.format(ids=ids)
    else:
        tsa_zh, tsa_en = NO_TSA_ZH, NO_TSA_EN
    return README_TEMPLATE.format(
        title=title,
        exported_at=exported_at,
        version=__version__,
        flag_id=flag_id,
        capture_count=capture_count,
        tsa_zh=tsa_zh,
        tsa_en=tsa_en,
    )
