"""Running the app with uvicorn (`pdca serve`), and the rule about which addresses it binds."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pdca.errors import InputError
from pdca.web.settings import WebSettings

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, allow_remote: bool) -> None:
    """Refuse a non-loopback address unless ``allow_remote``: pdca serves plain HTTP, and
    passwords and session cookies must not cross a network unencrypted."""
    if is_loopback(host) or allow_remote:
        return
    raise InputError(
        f"--host {host} is not a loopback address, and pdca serves plain HTTP (no TLS): "
        "passwords and session cookies would cross the network unencrypted",
        "keep 127.0.0.1 and put a reverse proxy with TLS in front (docs/web.md); if one is "
        "there already, give --allow-remote (and --secure-cookies)",
    )


def serve(
    store: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: WebSettings | None = None,
    records_url: str | None = None,
    forwarded_allow_ips: str | None = None,
    allow_remote: bool = False,
) -> None:
    """Serve the app on ``host:port`` until interrupted."""
    check_host(host, allow_remote=allow_remote)
    import uvicorn  # noqa: PLC0415 (loaded to serve only)

    from pdca.web.app import create_app  # noqa: PLC0415

    app = create_app(store, records_url=records_url, settings=settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        proxy_headers=forwarded_allow_ips is not None,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level="info",
    )
