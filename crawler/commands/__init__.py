"""The ``surveil`` sub-commands, one module per area; ``crawler.cli`` composes them."""
