"""The seven APIs under test: how to serve a desk as each, and how to pull from it."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.pull import (
    api_freshservice,
    api_glpi,
    api_jira,
    api_servicenow,
    api_zammad,
    api_zendesk,
    api_znuny,
)
from tests.pull.desk import Desk
from tests.pull.server import Handler, Request

SECRET = "s3cr3t-T0KEN-do-not-store-9f8e7d"
"""The API token the servers accept; it must appear nowhere in the store or the output."""
ENV = "PDCA_TEST_PULL_TOKEN"


@dataclass(frozen=True)
class Tool:
    source: str
    serve: Callable[[Desk, str], Handler]
    history: Callable[[Request], bool]
    """Requests that fetch a ticket's history (where faults are injected)."""
    user: str | None = None
    connector: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    path: str = ""
    """Where the API lives under the server's address."""
    person: Callable[[str], str] = str
    """How the tool names an agent in its history (Znuny: the login)."""

    def pull_args(self) -> dict[str, Any]:
        return {"user": self.user, "page_size": 2, **self.extra}

    def need_connector(self) -> None:
        module = self.connector or self.source
        if importlib.util.find_spec(f"pdca.ingest.{module}") is None:
            pytest.skip(f"the {self.source} connector (pdca.ingest.{module}) is not there yet")


TOOLS: dict[str, Tool] = {
    "znuny": Tool(
        "znuny",
        api_znuny.Znuny,
        lambda r: "/TicketHistory/" in r.path,
        user=api_znuny.USER,
        path="/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST",
        person=lambda name: name.split()[0].lower(),
    ),
    "freshservice": Tool(
        "freshservice", api_freshservice.Freshservice, lambda r: r.path.endswith("/activities")
    ),
    "glpi": Tool(
        "glpi",
        api_glpi.Glpi,
        lambda r: r.path.endswith("/Log"),
        extra={"app_token_env": api_glpi.APP_ENV},
    ),
    "jira": Tool(
        "jira", api_jira.Jira, lambda r: r.path.endswith("/changelog"), user=api_jira.USER
    ),
    "servicenow": Tool(
        "servicenow",
        api_servicenow.ServiceNow,
        lambda r: r.path.endswith("/sys_audit"),
        user=api_servicenow.USER,
    ),
    "zendesk": Tool(
        "zendesk",
        api_zendesk.Zendesk,
        lambda r: r.path.endswith("/audits"),
        user=api_zendesk.USER,
    ),
    "zammad": Tool("zammad", api_zammad.Zammad, lambda r: "/ticket_history/" in r.path),
}
