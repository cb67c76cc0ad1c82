"""The local sandbox marketplace: several platforms' mobile endpoints, generated from a seed, with faults."""
