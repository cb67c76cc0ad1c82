"""``surveil serve`` (the review app) and ``surveil users`` (its accounts)."""

from __future__ import annotations

import sys

import typer

from crawler.commands.common import app_context, console, fail
from crawler.storage.engine import transaction
from crawler.storage.models import Role
from crawler.storage.repositories.audit import AuditRepository
from crawler.storage.repositories.users import UserRepository

users_app = typer.Typer(help="Review-app accounts.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    trust_proxy: bool = typer.Option(
        False, help="Honour X-Forwarded-Proto/For from a reverse proxy that terminates HTTPS."
    ),
) -> None:
    """Serve the analysts' review app."""
    import uvicorn

    from crawler.web import WebConfig, create_app

    context = app_context(ctx)
    app = create_app(context, WebConfig(trust_proxy=trust_proxy))
    console().print(f"review app on http://{host}:{port}/ (stop with Ctrl-C)")
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=trust_proxy,
        forwarded_allow_ips="*" if trust_proxy else None,
        log_level="warning",
    )


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Username."),
    role: Role = typer.Option(..., "--role", help="admin, analyst, officer or lab."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Create an account; the password is prompted for (or read from stdin) and stored as argon2."""
    # Imported here: the crawler.web package loads the whole review app, which no other command needs.
    from crawler.web.security import WeakPassword, check_password_policy, hash_password

    name = name.strip()
    if not name or len(name) > 100:
        fail("a username needs 1 to 100 characters")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        check_password_policy(password)
    except WeakPassword as exc:
        fail(str(exc))
    context = app_context(ctx)
    with transaction(context.sessions) as session:
        users = UserRepository(session, context.clock)
        if users.by_name(name) is not None:
            fail(f"user {name!r} already exists")
        user = users.add(name, hash_password(password), role)
        AuditRepository(session, context.clock).record(
            "user.create", "user", user.id, actor="cli", details={"username": name, "role": role.value}
        )
    console().print(f"user {name} added ({role.value})")


@users_app.command("list")
def list_users(ctx: typer.Context) -> None:
    """List accounts with their roles and last sign-in."""
    from crawler.timeutil import format_local

    context = app_context(ctx)
    with transaction(context.sessions) as session:
        for user in UserRepository(session, context.clock).all():
            state = "" if user.active else " (disabled)"
            console().print(f"{user.username}\t{user.role.value}\t{format_local(user.last_login_at)}{state}")
