"""The one HTTP client every puller uses: retries, rate limits, pagination, secret hygiene.

* **Retries**: a 5xx answer (500, 502, 503, 504) or a dropped connection (connection refused or
  reset, a body cut off half-way, a read timeout) is tried again after a backoff that doubles
  from :attr:`Limits.backoff` (capped at :attr:`Limits.max_backoff`), at most
  :attr:`Limits.retries` times per request; then the pull stops with a one-line
  :class:`PullError`.
* **Rate limits**: a 429 (or a 503 with ``Retry-After``) waits as long as ``Retry-After`` says
  (seconds, or an HTTP date), at most :attr:`Limits.max_wait` seconds; a longer wait stops the
  pull with a one-line error naming the wait (rerun later: the cursor has not moved).
* **Pagination**: the styles the APIs use — a next-page URL in the body (:func:`next_url_pages`),
  a cursor token (:func:`token_pages`), ``startAt``/``maxResults`` (:func:`start_at_pages`),
  ``page``/``per_page`` with a ``Link`` header (:func:`page_pages`), and offset ranges answered
  with ``Content-Range`` (:func:`range_pages`, GLPI).
* **Credentials**: the secret is read from the environment variable when each request is built
  (:class:`Secret`); it is never stored, logged or put in an error message. URLs in messages and
  progress lines go through :func:`safe_url`, which blanks query values that look like secrets.
"""

from __future__ import annotations

import base64
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from pdca.errors import InputError
from pdca.version import __version__

Headers = dict[str, str]
Progress = Callable[[str], None]

RETRY_STATUSES = frozenset({500, 502, 503, 504})
"""Server errors tried again (with backoff)."""
_SECRET_PARAM = re.compile(
    r"(token|key|secret|password|passwd|session|auth|signature|sig|credential)", re.IGNORECASE
)


class PullError(InputError):
    """A pull cannot go on (bad URL, refused credentials, a server that keeps failing)."""


@dataclass(frozen=True)
class Limits:
    """How hard the client tries before it gives up (``pdca pull --retries/--max-wait``)."""

    retries: int = 5
    """Tries after the first, per request, for 5xx answers and dropped connections."""
    backoff: float = 1.0
    """First wait (seconds) before a retry; doubles each time."""
    max_backoff: float = 60.0
    """Longest wait between two retries (seconds)."""
    max_wait: float = 300.0
    """Longest ``Retry-After`` wait honoured (seconds); a longer one stops the pull."""
    timeout: float = 60.0
    """Seconds to connect, and between two bytes of an answer."""
    rate_limit_waits: int = 20
    """How many 429 answers one request may wait out before the pull stops."""


@dataclass(frozen=True)
class Secret:
    """A credential named by an environment variable, read each time it is used."""

    env: str

    def value(self) -> str:
        """The secret, or a :class:`PullError` naming the variable when it is not set."""
        text = os.environ.get(self.env, "")
        if not text.strip():
            raise PullError(
                f"the environment variable {self.env} is not set (it holds the API token)",
                f"export {self.env}=… and run again",
            )
        return text.strip()

    def __repr__(self) -> str:  # never print the value, even by accident
        return f"Secret(env={self.env!r})"


def basic(user: str, password: str) -> str:
    """An ``Authorization: Basic`` value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def safe_url(url: str) -> str:
    """``url`` without user info and with the values of secret-looking query parameters blanked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [
        (k, "***" if _SECRET_PARAM.search(k) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*/:,"), ""))


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; a :class:`PullError` if it is not http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PullError(
            f"{safe_url(url)!r} is not an http(s) URL",
            "give the tool's address, e.g. --url https://example.atlassian.net",
        )
    if parts.username or parts.password:
        raise PullError(
            "the URL holds a user name or password",
            "give credentials with --user and --token-env, never in the URL",
        )
    return url.strip().rstrip("/")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class Client:
    """An HTTP session on one tool's base URL with pdca's retry and rate-limit rules.

    ``auth`` builds the authentication headers when a request is made (so the secret is read
    from the environment only then); ``headers`` are sent with every request (a session token
    set by a puller after logging in lives here, never in a URL).
    """

    base_url: str
    auth: Callable[[], Headers] = dict
    limits: Limits = field(default_factory=Limits)
    headers: Headers = field(default_factory=dict)
    progress: Progress | None = None
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    """Requests sent (retries included)."""
    waited: float = 0.0
    """Seconds spent waiting for retries and rate limits."""
    _http: httpx.Client | None = None

    def __post_init__(self) -> None:
        self.base_url = check_base_url(self.base_url)

    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=httpx.Timeout(self.limits.timeout),
                transport=self.transport,
                follow_redirects=False,
                headers={"Accept": "application/json", "User-Agent": f"pdca/{__version__}"},
            )
        return self._http

    def close(self) -> None:
        """Close the connections."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """An absolute URL: ``path`` joined to the base URL (absolute URLs are kept)."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    # -- requests ------------------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        headers: Headers | None = None,
        auth: bool = True,
        ok: tuple[int, ...] = (200, 206),
    ) -> httpx.Response:
        """Send a request, retrying 5xx answers and dropped connections, waiting out 429s.

        Returns the response when its status is in ``ok``; otherwise a :class:`PullError` in
        one line (the URL shown through :func:`safe_url`).
        """
        url = self.url(path)
        tries = 0
        rate_waits = 0
        while True:
            sent = {**self.headers, **(self.auth() if auth else {}), **(headers or {})}
            self.requests += 1
            try:
                response = self._client().request(
                    method, url, params=params, json=json, headers=sent
                )
            except httpx.TransportError as exc:
                if tries >= self.limits.retries:
                    raise PullError(
                        f"{method} {safe_url(url)} failed {tries + 1} time(s): "
                        f"{_transport_reason(exc)}",
                        "check the URL and the network; the store and cursor are unchanged",
                    ) from None
                tries += 1
                self._wait(self._backoff(tries), f"connection problem, retry {tries}")
                continue
            if response.status_code in ok:
                return response
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if response.status_code == 429 or (response.status_code == 503 and wait is not None):
                rate_waits += 1
                wait = self._backoff(rate_waits) if wait is None else wait
                if wait > self.limits.max_wait:
                    raise PullError(
                        f"{safe_url(response.request.url.__str__())} is rate-limited and asks "
                        f"to wait {wait:.0f} s, more than the {self.limits.max_wait:.0f} s "
                        "allowed",
                        "run the pull again later (the cursor has not moved), or raise --max-wait",
                    )
                if rate_waits > self.limits.rate_limit_waits:
                    raise PullError(
                        f"{safe_url(url)} kept answering 429 (rate limited) {rate_waits} times",
                        "run the pull again later (the cursor has not moved)",
                    )
                self._wait(wait, f"rate limited, waiting {wait:.0f} s")
                continue
            if response.status_code in RETRY_STATUSES and tries < self.limits.retries:
                tries += 1
                self._wait(self._backoff(tries), f"HTTP {response.status_code}, retry {tries}")
                continue
            raise _status_error(method, url, response)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """A GET (see :meth:`request`)."""
        return self.request("GET", path, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """The JSON body of a GET."""
        return json_of(self.get(path, **kwargs))

    def _backoff(self, attempt: int) -> float:
        return float(min(self.limits.max_backoff, self.limits.backoff * 2 ** (attempt - 1)))

    def _wait(self, seconds: float, why: str) -> None:
        if self.progress is not None:
            self.progress(why)
        self.waited += seconds
        self.sleep(seconds)


def json_of(response: httpx.Response) -> Any:
    """A response's JSON, or a one-line :class:`PullError` when it is something else."""
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise PullError(
            f"{safe_url(str(response.request.url))} did not answer JSON ({kind})",
            "check --url: it should be the tool's base address",
        ) from None


def _transport_reason(exc: httpx.TransportError) -> str:
    reason = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}" + (f" ({reason})" if reason else "")


_STATUS_HINTS = {
    400: "the tool refused the query; check --since and the options",
    401: "the credentials were refused; check --token-env (and --user)",
    403: "the account may not read these records; check its roles",
    404: "nothing at this address; check --url (the tool's base address)",
}


def _status_error(method: str, url: str, response: httpx.Response) -> PullError:
    status = response.status_code
    hint = _STATUS_HINTS.get(status, "the store and cursor are unchanged; try again later")
    return PullError(f"{method} {safe_url(url)} answered HTTP {status}", hint)


# -- pagination ------------------------------------------------------------------------------
def next_url_pages(
    client: Client,
    path: str,
    params: Mapping[str, Any] | None,
    next_of: Callable[[Any], str | None],
) -> Iterator[Any]:
    """Bodies of a listing whose body names the next page's URL (``next_page``,
    ``links.next``); stops when it names none or repeats itself."""
    url: str | None = client.url(path)
    seen: set[str] = set()
    query = params
    while url and url not in seen:
        seen.add(url)
        body = client.get_json(url, params=query)
        yield body
        url, query = next_of(body), None


def token_pages(
    client: Client,
    path: str,
    params: dict[str, Any],
    token_param: str,
    token_of: Callable[[Any], str | None],
) -> Iterator[Any]:
    """Bodies of a listing paged by a cursor token (``nextPageToken``, ``after_cursor``): the
    token of each page is sent as ``token_param`` for the next; stops when there is none."""
    query = dict(params)
    seen: set[str] = set()
    while True:
        body = client.get_json(path, params=query)
        yield body
        token = token_of(body)
        if not token or token in seen:
            return
        seen.add(token)
        query = {**params, token_param: token}


def start_at_pages(
    client: Client,
    path: str,
    params: dict[str, Any],
    items_of: Callable[[Any], list[Any]],
    *,
    size: int = 100,
    start: str = "startAt",
    limit: str = "maxResults",
) -> Iterator[Any]:
    """Items of a listing paged by ``startAt``/``maxResults``; stops at ``total``, ``isLast``
    or an empty page."""
    offset = 0
    while True:
        body = client.get_json(path, params={**params, start: offset, limit: size})
        items = items_of(body)
        yield from items
        offset += len(items)
        total = body.get("total") if isinstance(body, dict) else None
        last = body.get("isLast") if isinstance(body, dict) else None
        if not items or last is True or (isinstance(total, int) and offset >= total):
            return


def page_pages(
    client: Client,
    path: str,
    params: dict[str, Any],
    items_of: Callable[[Any], list[Any]],
    *,
    size: int = 100,
    page: str = "page",
    per_page: str = "per_page",
) -> Iterator[Any]:
    """Items of a listing paged by ``page``/``per_page``: follows the ``Link: rel="next"``
    header when the tool sends one, else asks for the next page until a short page."""
    response = client.get(path, params={**params, page: 1, per_page: size})
    number, linked = 1, False
    while True:
        items = items_of(json_of(response))
        yield from items
        link = response.links.get("next", {}).get("url")
        linked = linked or "link" in response.headers
        if link:
            response = client.get(urljoin(str(response.request.url), link))
            continue
        if linked or len(items) < size:
            return  # the tool names its pages and names no next one, or a short page
        number += 1
        response = client.get(path, params={**params, page: number, per_page: size})


def link_pages(
    client: Client, path: str, params: dict[str, Any], items_of: Callable[[Any], list[Any]]
) -> Iterator[Any]:
    """Items of a listing that names its next page in a ``Link: <…>; rel="next"`` header."""
    response = client.get(path, params=params)
    seen: set[str] = set()
    while True:
        yield from items_of(json_of(response))
        link = response.links.get("next", {}).get("url")
        if not link or link in seen:
            return
        seen.add(link)
        response = client.get(urljoin(str(response.request.url), link))


CONTENT_RANGE = re.compile(r"^\s*(?:items\s+)?(\d+)-(\d+)/(\d+|\*)\s*$")


def range_pages(
    client: Client,
    path: str,
    params: list[tuple[str, Any]] | dict[str, Any],
    items_of: Callable[[Any], list[Any]],
    *,
    size: int = 100,
) -> Iterator[Any]:
    """Items of a listing asked for by offset ranges (``range=0-99``) whose answers say
    ``Content-Range: 0-99/250`` (GLPI); stops at the total, or at a short or empty page."""
    base = list(params.items()) if isinstance(params, dict) else list(params)
    first = 0
    while True:
        response = client.get(path, params=[*base, ("range", f"{first}-{first + size - 1}")])
        items = items_of(json_of(response))
        yield from items
        match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if match is None:
            if len(items) < size:
                return
            first += len(items)
            continue
        end, total = int(match.group(2)), match.group(3)
        if not items or (total != "*" and end + 1 >= int(total)):
            return
        first = end + 1
