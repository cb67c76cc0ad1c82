"""Page objects: a response in, items out. One module per platform; no crawling logic here.

Each platform module offers ``parse_search(response) -> SearchPage`` and ``parse_item(response, …) ->
ItemPage``; :mod:`crawler.pages.blocks` recognises captcha, risk and login pages before either runs.
"""
