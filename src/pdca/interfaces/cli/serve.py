"""`pdca serve` (the web app) and `pdca user …` (its local accounts)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pdca.errors import InputError
from pdca.interfaces.cli.common import StoreOpt, app, user_errors

user_app = typer.Typer(no_args_is_help=True)
app.add_typer(user_app, name="user", rich_help_panel="Web")

CLI_WHO = "cli"
"""The audit log's "who" of a change made with `pdca user …` (with the OS user's name)."""


def _store(store: Path | None) -> Path:
    return Path(store or os.environ.get("PDCA_STORE") or ".pdca")


def _who() -> str:
    name = os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"
    return f"{CLI_WHO}:{name}"


@app.command(name="serve", rich_help_panel="Web")
def serve_command(
    store: StoreOpt = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on; loopback unless --allow-remote.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Listen on a non-loopback address (only behind a TLS reverse proxy).",
        ),
    ] = False,
    secure_cookies: Annotated[
        bool,
        typer.Option(
            "--secure-cookies", help="Mark cookies Secure (the proxy in front speaks HTTPS)."
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            "--forwarded-allow-ips",
            help="Proxy addresses whose X-Forwarded-For/-Proto headers are trusted "
            "(comma-separated), e.g. 127.0.0.1.",
        ),
    ] = None,
    warm: Annotated[
        bool,
        typer.Option(
            "--warm/--no-warm",
            help="Compute the usual pages in the background at start and before an import's "
            "data goes live, so visitors get them from memory.",
        ),
    ] = True,
) -> None:
    """Serve the web app (scorecard, KPIs, SLA, improvement register…) on http://HOST:PORT.

    Plain HTTP on loopback: for other machines put a reverse proxy with TLS in front
    (docs/web.md). The first admin: `pdca user add NAME --role admin`.
    """
    with user_errors():
        from pdca.web.server import check_host, serve  # noqa: PLC0415 (loaded to serve only)
        from pdca.web.settings import WebSettings  # noqa: PLC0415

        check_host(host, allow_remote=allow_remote)
        where = _store(store)
        typer.echo(f"pdca serves {where} on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
        serve(
            where,
            host=host,
            port=port,
            settings=WebSettings(secure_cookies=secure_cookies, warm=warm),
            forwarded_allow_ips=forwarded_allow_ips,
            allow_remote=allow_remote,
        )


@user_app.callback()
def user_group() -> None:
    """Local accounts of the web app: add, passwd, role, list, token."""


RoleArg = Annotated[str, typer.Argument(help="viewer, analyst, owner or admin.")]
PasswordEnvOpt = Annotated[
    str | None,
    typer.Option(
        "--password-env",
        metavar="VAR",
        help="Read the password from this environment variable (default: prompt for it).",
    ),
]


def _password(env: str | None) -> str:
    if env:
        value = os.environ.get(env)
        if not value:
            raise InputError(f"the environment variable {env} is not set or empty", "export it")
        return value
    value = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return str(value)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Account name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option("--role", help="viewer, analyst, owner or admin.")],
    service: Annotated[
        list[str] | None,
        typer.Option("--service", help="A service the user sees (repeatable; none: all)."),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help="An assignment group the user sees (repeatable)."),
    ] = None,
    password_env: PasswordEnvOpt = None,
    store: StoreOpt = None,
) -> None:
    """Add an account (the password is prompted for, or read from --password-env VAR)."""
    with user_errors():
        from pdca.records import accounts, open_records  # noqa: PLC0415

        chosen = accounts.parse_role(role)
        accounts.check_name(name)
        secret = _password(password_env)
        records = open_records(_store(store))
        try:
            with records.session() as db:
                user = accounts.add_user(
                    db, name, secret, chosen, services=service, groups=group, who=_who()
                )
                line = f"added {user.name} ({user.role}; sees {user.scope.describe()})"
        finally:
            records.close()
    typer.echo(line)


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="Account name.")],
    password_env: PasswordEnvOpt = None,
    store: StoreOpt = None,
) -> None:
    """Set an account's password (its browser sessions end)."""
    with user_errors():
        from pdca.records import accounts, open_records  # noqa: PLC0415

        records = open_records(_store(store))
        try:
            with records.session() as db:
                accounts.get_user(db, name)
                secret = _password(password_env)
                accounts.set_password(db, name, secret, who=_who())
        finally:
            records.close()
    typer.echo(f"password of {name} changed")


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="Account name.")],
    role: RoleArg,
    store: StoreOpt = None,
) -> None:
    """Change an account's role."""
    with user_errors():
        from pdca.records import accounts, open_records  # noqa: PLC0415

        records = open_records(_store(store))
        try:
            with records.session() as db:
                user = accounts.update_user(db, name, role=role, who=_who())
                line = f"{user.name} is now {user.role}"
        finally:
            records.close()
    typer.echo(line)


@user_app.command("list")
def user_list(store: StoreOpt = None) -> None:
    """List the accounts: name, role, what each sees, whether disabled."""
    with user_errors():
        from pdca.records import accounts, open_records  # noqa: PLC0415

        records = open_records(_store(store))
        try:
            with records.session() as db:
                rows = [accounts.summary(u) for u in accounts.list_users(db)]
        finally:
            records.close()
    if not rows:
        typer.echo("no users yet: pdca user add NAME --role admin")
        return
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        state = "  (disabled)" if r["disabled"] else ""
        typer.echo(f"{r['name']:<{width}}  {r['role']:<7}  sees {r['scope']}{state}")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="Account name.")],
    label: Annotated[str, typer.Option("--name", help="What the token is for.")] = "token",
    store: StoreOpt = None,
) -> None:
    """Make a new API token for an account and print it once (scripts send it as
    `Authorization: Bearer TOKEN`; an admin revokes it on the user's page)."""
    with user_errors():
        from pdca.records import accounts, open_records  # noqa: PLC0415

        records = open_records(_store(store))
        try:
            with records.session() as db:
                secret = accounts.issue_token(db, name, label, who=_who())
        finally:
            records.close()
    typer.echo(secret)
