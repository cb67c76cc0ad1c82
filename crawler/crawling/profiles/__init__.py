"""No-code platforms: YAML profiles (endpoints, JSON paths or CSS selectors, pagination, identity)."""
