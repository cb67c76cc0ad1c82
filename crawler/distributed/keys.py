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
        return f"{self.prefix}:{platform}:seeds"

    def dupefilter(self, run_id: int, platform: str) -> str:
        return f"{self.prefix}:run{run_id}:{platform}:dupefilter"

    def rate(self, platform: str) -> str:
        return f"{self.prefix}:{platform}:next-slot"

    def queue_template(self) -> str:
        """The scrapy-redis ``SCHEDULER_QUEUE_KEY`` (``%(spider)s`` is the platform)."""
        return f"{self.prefix}:%(spider)s:requests"

    def dupefilter_template(self, run_id: int) -> str:
        return f"{self.prefix}:run{run_id}:%(spider)s:dupefilter"
