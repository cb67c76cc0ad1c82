"""One spider per platform: routing only. Extraction lives in ``crawler.pages``."""
