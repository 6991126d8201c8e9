"""The simulated desk as GLPI's search-screen export of tickets (Assistance > Tickets, "Export
to CSV" in the search results), in Portuguese: ``;`` between fields, every field quoted, a UTF-8
byte-order mark, day-first ``dd-mm-yyyy HH:MM`` dates, and a multi-line description.

Column labels are those of GLPI's Ticket search options (``Ticket::rawSearchOptions`` in
glpi-project/glpi ``src/Ticket.php`` and ``CommonITILObject``) as its pt_BR translation
(``locales/pt_BR.po``) shows them: ``ID``, ``Título``, ``Status``, ``Data de abertura``, ``Data da
solução``, ``Data de fechamento``, ``Última atualização``, ``Prioridade``, ``Categoria``,
``Atribuído - Técnico``, ``Atribuído - Grupo``, ``Tipo``, ``Tempo para resolver excedido``
(Sim/Não: "Sim" means the time to resolve was exceeded, the SLA breached). The delay to take into
account ("Take into account delay", a duration GLPI writes in words) is written as ``Tempo para
atendimento`` with GLPI's wording ("1 hora 20 minutos 5 segundos"); check the label your instance
shows, pdca's suggested mapping recognises the usual translations.

Kept per ticket: what :mod:`pdca.simulate.vendors.ticket_list` keeps (first opening, first
response, final resolution, closure, last values); GLPI's dates have minute resolution (seconds
are cut), its delay to take into account keeps the seconds.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from pdca.model.schema import Col
from pdca.model.vocab import State, TicketType
from pdca.simulate.vendors.ticket_list import tickets

DATE_FORMAT = "%d-%m-%Y %H:%M"
PRIORITIES = {"1": "Muito alta", "2": "Alta", "3": "Média", "4": "Baixa", "5": "Muito baixa"}
"""pdca's simulated priority rank (the digit its label starts with) -> GLPI's pt_BR label."""
STATUS = {
    State.NEW.value: "Novo",
    State.IN_PROGRESS.value: "Em atendimento (atribuído)",
    State.WAITING_CUSTOMER.value: "Pendente",
    State.WAITING_VENDOR.value: "Pendente",
    State.WAITING_OTHER.value: "Pendente",
    State.RESOLVED.value: "Solucionado",
    State.CLOSED.value: "Fechado",
    State.CANCELLED.value: "Fechado",
}
TYPES = {TicketType.INCIDENT.value: "Incidente", TicketType.SERVICE_REQUEST.value: "Requisição"}
_UNITS = (("dia", "dias", 86400), ("hora", "horas", 3600), ("minuto", "minutos", 60))


def delay_text(seconds: float) -> str:
    """A duration as GLPI writes it in Portuguese: ``1 dia 2 horas 5 minutos 3 segundos``."""
    left = round(seconds)
    parts = []
    for one, many, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count} {one if count == 1 else many}")
    if left or not parts:
        parts.append(f"{left} {'segundo' if left == 1 else 'segundos'}")
    return " ".join(parts)


def _date(values: pd.Series) -> pd.Series:
    text: pd.Series = values.dt.strftime(DATE_FORMAT)
    return text.where(values.notna(), "")


def write(events: pd.DataFrame, out: Path) -> list[Path]:
    """One quoted ``;`` row per ticket, Portuguese headers, BOM, day-first dates."""
    rows = tickets(events)
    last = events.groupby(Col.CASE_ID, sort=False)[Col.TIMESTAMP].max()
    delay = (rows["first_response"] - rows["opened"]).dt.total_seconds()
    rank = rows[Col.PRIORITY].astype("string").str.extract(r"^\s*(\d)", expand=False)
    category = rows[Col.CATEGORY].fillna("")
    sub = rows[Col.SUBCATEGORY].fillna("") if Col.SUBCATEGORY in rows else ""
    frame = pd.DataFrame(
        {
            "ID": rows[Col.CASE_ID].str.replace(r"\D", "", regex=True).astype(int).astype(str),
            "Título": (category + " - " + sub).str.strip(" -"),
            "Status": rows["state"].map(STATUS).fillna("Novo"),
            "Data de abertura": _date(rows["opened"]),
            "Tempo para atendimento": delay.map(
                lambda s: "" if pd.isna(s) else delay_text(float(s))
            ),
            "Data da solução": _date(rows["resolved"]),
            "Data de fechamento": _date(rows["closed"]),
            "Última atualização": _date(rows[Col.CASE_ID].map(last)),
            "Prioridade": rank.map(PRIORITIES).fillna("Média"),
            "Categoria": (category + " > " + sub).str.strip(" >"),
            "Atribuído - Técnico": rows[Col.RESOURCE].fillna(""),
            "Atribuído - Grupo": rows[Col.ASSIGNMENT_GROUP].fillna(""),
            "Tipo": rows[Col.TICKET_TYPE].map(TYPES).fillna("Incidente"),
            "Tempo para resolver excedido": rows["made_sla"].map({"true": "Não", "false": "Sim"}),
            "Descrição": "Chamado "
            + rows[Col.CASE_ID]
            + ";\nusuário relata: "
            + '"'
            + category
            + '"\n-- enviado pelo portal',
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(
        out, sep=";", index=False, encoding="utf-8-sig", quoting=csv.QUOTE_ALL, lineterminator="\n"
    )
    return [out]
