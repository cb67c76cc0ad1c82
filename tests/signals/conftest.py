from tests.web.conftest import analyst, app, client, web_context, web_sessions  # noqa: F401
