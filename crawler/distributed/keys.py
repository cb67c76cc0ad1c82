"""Redis key names, all under one prefix (``surveil`` unless configured), so several deployments or
tests can share one Redis server."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "surveil"


@dataclass(frozen=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    @property
    def run(self) -> str:
        """JSON of the run being crawled: ``{"run_id": .., "plan": {..}}``."""
        return f"{self.prefix}:run"

    def queue(self, platform: str) -> str:
        return f"{self.prefix}:{platform}:requests"

    def seeds(self, platform: str) -> str:
        """The platform's seeds (one per category), a leased store like the request queue."""
        return f"{self.prefix}:{platform}:seeds"

    def dupefilter(self, run_id: int, platform: str) -> str:
        return f"{self.prefix}:run{run_id}:{platform}:dupefilter"

    def seen(self, run_id: int, platform: str, category: str) -> str:
        """Set of the item ids seen on the category's search pages in the run, by any worker."""
        return f"{self.prefix}:run{run_id}:{platform}:seen:{category}"

    def progress(self, run_id: int, platform: str) -> str:
        """Hash of ``<category>:<flag>`` -> 1: ``exhausted``, ``truncated``, ``errors``, ``blocked``."""
        return f"{self.prefix}:run{run_id}:{platform}:progress"

    def run_keys(self, run_id: int, platform: str) -> str:
        """Pattern of every key of one run and platform (duplicate filter, seen sets, progress)."""
        return f"{self.prefix}:run{run_id}:{platform}:*"

    def rate(self, platform: str) -> str:
        return f"{self.prefix}:{platform}:next-slot"

    def queue_template(self) -> str:
        """The scrapy-redis ``SCHEDULER_QUEUE_KEY`` (``%(spider)s`` is the platform)."""
        return f"{self.prefix}:%(spider)s:requests"

    def dupefilter_template(self, run_id: int) -> str:
        return f"{self.prefix}:run{run_id}:%(spider)s:dupefilter"
