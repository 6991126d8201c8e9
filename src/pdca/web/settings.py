"""Settings of the web app (what `pdca serve` and tests choose)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WebSettings:
    """How the app behaves; the defaults suit `pdca serve` on loopback.

    Login throttling: an account name with ``login_failures_per_user`` failed logins within
    ``login_window_minutes`` is refused (HTTP 429) until the oldest of them leaves the window,
    and so is a client address with ``login_failures_per_address`` failures (whatever the names).
    A refused attempt does not check the password and is not counted.
    """

    secure_cookies: bool = False
    """Mark cookies ``Secure`` (and send HSTS): set it when a TLS reverse proxy is in front."""
    session_hours: float = 8.0
    """A logged-in session ends this long after login."""
    anonymous_session_minutes: float = 60.0
    """The login form's session (it carries the form's CSRF token) ends after this."""
    login_failures_per_user: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: float = 15.0
    title: str = "pdca"
    warm: bool = False
    """Ask the usual pages' questions in the background when the app starts, and on a new desk
    before it replaces the old one after an import or an objectives change
    (:mod:`pdca.web.warm`). `pdca serve` turns it on (``--no-warm`` turns it off)."""
