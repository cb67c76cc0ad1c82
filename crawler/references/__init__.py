"""Reference lists: importers for recall, non-compliant, licence, licensed-product and blacklist lists."""
