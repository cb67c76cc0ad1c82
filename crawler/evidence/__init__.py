"""Evidence preservation (证据保全): what a listing showed, when and where, in a form that proves itself.

A capture stores a mobile screenshot, the raw HTTP exchanges as WARC, the rendered HTML and the listing's
photos in a content-addressed store; a canonical manifest lists their SHA-256 hashes; every manifest is
appended to a hash-chained evidence log, optionally timestamped by an RFC 3161 authority.
"""
