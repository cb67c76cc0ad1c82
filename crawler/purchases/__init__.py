"""Mystery purchases (网购抽样): plans, the purchase lifecycle, sample IDs, lab exports and lab results.

Service functions take a session, a clock and the acting person, and leave committing to the caller, so
a command or a web route wraps them in one transaction.
"""
