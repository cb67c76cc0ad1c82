"""The user-facing `surveil` commands, each run as a user runs it."""
