"""Page objects: a response in, items out. One module per platform; no crawling logic here.

Each platform module offers ``parse_search(response) -> SearchPage`` and ``parse_item(response, …) ->
ItemPage``, reading a set of named, dated layouts; :mod:`crawler.pages.blocks` recognises captcha, risk
and login pages before either runs. Every page ends in one outcome (ok, empty with the page's own
evidence, blocked, layout_changed: :mod:`crawler.pages.contract`); :func:`crawler.pages.outcome.read_page`
reads any saved or fetched response into that outcome.
"""
