"""The analysts' review app: server-rendered pages over the review queue, flags and crawl health."""

from crawler.web.app import create_app
from crawler.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
