"""Glue between the matchers library and the rest: conversions, batch files, runs over the database."""
