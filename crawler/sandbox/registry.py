"""The platform modules the server dispatches to."""

from __future__ import annotations

from types import ModuleType


def platform_modules() -> dict[str, ModuleType]:
    from crawler.sandbox.platforms import aliexpress, amazon, jd, ocj, pdd, taobao, yhd

    return {m.PLATFORM: m for m in (jd, taobao, pdd, yhd, aliexpress, amazon, ocj)}
