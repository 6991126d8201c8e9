"""The words helpdesk exports use, in English, Portuguese, Spanish, French, German, Dutch and
Italian: column headers, status labels, yes/no verdicts, priorities and ticket types.

Gathered from the labels GLPI, Znuny/OTRS, osTicket and Zammad ship in their translations (GLPI's
``locales/*.po``: "Data de abertura", "Data da solução", "Tempo para resolver excedido", "Em
atendimento (atribuído)"; Znuny's ``Kernel/Language/*.pm``: "offen", "erfolgreich geschlossen";
osTicket's ``include/i18n``; Zammad's ``i18n/zammad.pot`` with its translations). Words are
compared after :func:`normal` (lower case, accents removed, punctuation as spaces), so
"Solucionado", "solucionado" and "SOLUCIONADO" are the same word.

:mod:`pdca.ingest.suggest` uses this module to draft a mapping for a non-English export; nothing
here decides an import on its own: every guess is written into the draft for the user to review.
"""

from __future__ import annotations

import re
import unicodedata

from pdca.model.vocab import State, TicketType


def normal(text: str) -> str:
    """``"Em atendimento (atribuído)"`` -> ``"em atendimento atribuido"``."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("ß", "ss")
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", plain)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", spaced.lower()).split())


# fmt: off
DATE_HEADERS: dict[str, tuple[str, ...]] = {
    "opened": (
        "opened", "opened at", "opening date", "open date", "date opened", "created",
        "created at", "created on", "creation date", "date created", "created time",
        "submitted", "submit date", "reported", "report date", "sys created on",
        "data de abertura", "data abertura", "data de criacao", "aberto em", "criado em",
        "fecha de apertura", "fecha apertura", "fecha de creacion", "creado", "creado el",
        "date d ouverture", "date ouverture", "date de creation", "cree le", "ouvert le",
        "eroffnungsdatum", "erstellt", "erstellt am", "erstelldatum", "angelegt",
        "angelegt am", "geoffnet",
        "aanmaakdatum", "datum aangemaakt", "aangemaakt", "aangemaakt op", "geopend",
        "geopend op", "datum geopend", "openingsdatum",
        "data di apertura", "data apertura", "data di creazione", "creato", "creato il",
        "aperto il",
    ),
    "first_response": (
        "first response", "first response time", "first response at", "first responded",
        "first reply", "first reply time", "responded", "responded at", "first action",
        "assigned", "assigned at", "assignment date", "date assigned", "take into account date",
        "data de atribuicao", "data atribuicao", "primeira resposta", "data da primeira resposta",
        "atribuido em", "data de atendimento", "data de tomada em conta",
        "primera respuesta", "fecha de primera respuesta", "fecha de asignacion", "asignado el",
        "premiere reponse", "date de premiere reponse", "date d attribution",
        "date de prise en compte", "attribue le",
        "erste antwort", "erste reaktion", "zugewiesen am", "zuweisungsdatum",
        "datum der ersten antwort",
        "eerste reactie", "eerste antwoord", "toegewezen op", "datum toegewezen",
        "prima risposta", "data di assegnazione", "assegnato il", "data prima risposta",
    ),
    "resolved": (
        "resolved", "resolved at", "resolved date", "resolution date", "date resolved",
        "solved", "solved at", "solve date", "fixed", "resolution time", "sys resolved at",
        "data da solucao", "data de solucao", "data solucao", "data de resolucao",
        "resolvido em", "solucionado em",
        "fecha de solucion", "fecha de resolucion", "resuelto", "resuelto el", "solucionado el",
        "date de resolution", "date de solution", "resolu le",
        "losungsdatum", "gelost", "gelost am", "datum der losung",
        "opgelost", "opgelost op", "datum opgelost", "oplosdatum",
        "data di risoluzione", "data risoluzione", "data della soluzione", "risolto",
        "risolto il",
    ),
    "closed": (
        "closed", "closed at", "closed date", "close date", "date closed", "closing date",
        "close time", "closed time", "sys closed at",
        "data de fechamento", "data fechamento", "data de encerramento", "fechado em",
        "encerrado em",
        "fecha de cierre", "fecha cierre", "cerrado", "cerrado el",
        "date de cloture", "date de fermeture", "clos le", "ferme le",
        "abschlussdatum", "geschlossen", "geschlossen am", "datum geschlossen",
        "gesloten", "gesloten op", "datum gesloten", "sluitingsdatum",
        "data di chiusura", "data chiusura", "chiuso", "chiuso il",
    ),
}
"""Date-column kind of a ticket list -> header names (normalised)."""

DELAY_HEADERS: dict[str, tuple[str, ...]] = {
    "first_response": (
        "take into account delay", "time to take into account", "first response time",
        "time to first response", "response time", "tempo para atendimento",
        "tempo de atendimento", "tempo ate o atendimento", "tempo de primeira resposta",
        "demora en tener en cuenta", "tiempo de atencion", "tiempo de primera respuesta",
        "delai de prise en compte", "temps de prise en compte", "temps de premiere reponse",
        "zeit bis zur ubernahme", "ubernahmezeit", "erste reaktionszeit", "reaktionszeit",
        "tijd tot eerste reactie", "reactietijd", "tempo di presa in carico",
        "tempo di prima risposta",
    ),
    "resolved": (
        "resolution time", "time to resolution", "solve time", "tempo de solucao",
        "tempo de resolucao", "tiempo de resolucion", "temps de resolution", "losungszeit",
        "oplostijd", "tempo di risoluzione",
    ),
}
"""Headers of a duration counted from the opening (GLPI's delay to take into account): the date
is the opening plus the duration."""

DATE_STATES: dict[str, State] = {
    "opened": State.NEW,
    "first_response": State.IN_PROGRESS,
    "assigned": State.IN_PROGRESS,
    "in_progress": State.IN_PROGRESS,
    "waiting": State.WAITING_OTHER,
    "resolved": State.RESOLVED,
    "closed": State.CLOSED,
    "cancelled": State.CANCELLED,
}
"""Known ``[dates]`` keys of a mapping and the canonical state each date starts."""

HEADERS: dict[str, tuple[str, ...]] = {
    "case_id": (
        "id", "ticket", "ticket id", "ticket number", "number",
        "numero", "numero do chamado", "chamado", "id do chamado",
        "numero de ticket", "numero del ticket", "id del ticket",
        "numero du ticket", "n du ticket", "identifiant",
        "ticketnummer", "ticket nummer", "ticket nr", "ticketnr", "nummer",
        "numero del ticket", "numero ticket", "id ticket",
        "incidentnummer", "incident nummer", "meldingnummer", "meldingsnummer", "melding",
        "numero do incidente", "numero de incidente", "numero de l incident",
        "vorgangsnummer", "meldungsnummer", "numero incidente", "numero dell incidente",
    ),
    "priority": (
        "priority", "prioridade", "prioridad", "priorite", "prioritat", "prioriteit",
        "priorita",
    ),
    "category": (
        "category", "categoria", "categorie", "kategorie", "categorieen", "rubrik",
        "rubriek",
    ),
    "assignment_group": (
        "assignment group", "group", "queue", "team", "assigned to group",
        "atribuido grupo", "atribuido a grupo", "grupo atribuido", "grupo", "fila",
        "asignado grupo", "grupo asignado", "cola",
        "attribue a groupe", "attribue groupe", "groupe", "file d attente",
        "zugewiesen an gruppe", "zugewiesen gruppe", "gruppe",
        "toegewezen aan groep", "toegewezen groep", "groep", "wachtrij",
        "assegnato a gruppo", "assegnato gruppo", "gruppo", "coda",
    ),
    "resource": (
        "assigned to", "assignee", "agent", "owner", "technician", "assigned to technician",
        "atribuido tecnico", "atribuido a tecnico", "tecnico", "tecnico atribuido",
        "responsavel", "atendente",
        "asignado tecnico", "asignado a tecnico", "agente", "responsable",
        "attribue a technicien", "attribue technicien", "technicien", "proprietaire",
        "zugewiesen an techniker", "zugewiesen techniker", "techniker", "bearbeiter",
        "besitzer", "verantwortlicher",
        "toegewezen aan technicus", "toegewezen technicus", "technicus", "behandelaar",
        "eigenaar", "medewerker",
        "assegnato a tecnico", "assegnato tecnico", "tecnico assegnato", "proprietario",
    ),
    "activity": (
        "status", "state", "estado", "situacao", "statut", "etat", "zustand", "toestand",
        "stato",
    ),
    "service": ("service", "servico", "servicio", "dienst", "servizio", "help topic"),
    "channel": (
        "channel", "source", "origem", "fonte", "origen", "canal", "quelle", "kanaal",
        "bron", "origine", "fonte richiesta", "request source", "source de la demande",
        "origem da requisicao",
    ),
    "ticket_type": ("type", "tipo", "typ", "ticket type", "tipo de chamado"),
    "location": ("location", "localizacao", "ubicacion", "lieu", "standort", "locatie",
                 "ubicazione", "luogo"),
    "caller": (
        "requester", "caller", "requerente", "solicitante", "demandeur", "antragsteller",
        "kunde", "aanvrager", "melder", "klant", "richiedente",
    ),
    "urgency": ("urgency", "urgencia", "urgence", "dringlichkeit", "urgentie", "urgenza"),
    "impact": ("impact", "impacto", "auswirkung", "impatto"),
}
"""Canonical field -> header names (normalised) in the seven languages."""

SLA_BREACH_WORDS: tuple[str, ...] = (
    "exceeded", "breached", "breach", "overdue", "violated", "late", "missed", "expired",
    "excedido", "excedida", "ultrapassado", "violado", "atrasado", "vencido",
    "excedido", "incumplido", "superado", "depasse", "viole", "en retard", "expire",
    "uberschritten", "verletzt", "verspatet", "overschreden", "verlopen", "te laat",
    "superato", "violato", "scaduto", "in ritardo",
)
"""Header words that make a yes/no SLA column mean "the SLA was breached" (yes = not met)."""

SLA_MET_WORDS: tuple[str, ...] = (
    "made sla", "sla met", "within sla", "sla achieved", "in time", "on time",
    "dentro do sla", "sla cumprido", "cumprido", "dentro del sla", "sla cumplido", "cumplido",
    "respecte", "sla respecte", "dans les delais", "eingehalten", "sla eingehalten",
    "binnen sla", "sla gehaald", "gehaald", "op tijd", "rispettato", "sla rispettato",
    "entro sla",
)
"""Header words that make a yes/no SLA column mean "the SLA was met"."""

SLA_TOPIC_WORDS: tuple[str, ...] = (
    "sla", "tempo para resolver", "tempo para atender", "tiempo para resolver",
    "temps de resolution", "temps de prise en compte", "delai", "losungszeit", "reaktionszeit",
    "oplostijd", "reactietijd", "tempo di risoluzione", "tempo di presa in carico",
    "time to resolve", "time to own", "time to respond", "resolution due", "due",
)
"""Header words that say a column is about the SLA / service-level clock."""

YES_WORDS: tuple[str, ...] = (
    "yes", "y", "true", "1", "sim", "s", "si", "oui", "o", "ja", "j", "vero", "verdadeiro",
    "verdadero", "vrai", "wahr", "waar",
)
NO_WORDS: tuple[str, ...] = (
    "no", "n", "false", "0", "nao", "non", "nein", "nee", "falso", "faux", "falsch",
    "onwaar",
)
"""Yes and no in the seven languages (normalised: "Não" reads "nao", "Sì" reads "si")."""

STATUS_LABELS: dict[str, State] = {
    "new": State.NEW, "open": State.NEW, "processing assigned": State.IN_PROGRESS,
    "processing planned": State.IN_PROGRESS, "pending": State.WAITING_OTHER,
    "solved": State.RESOLVED, "resolved": State.RESOLVED, "closed": State.CLOSED,
    "closed successful": State.CLOSED, "closed unsuccessful": State.CLOSED,
    "pending reminder": State.WAITING_OTHER, "pending auto close": State.RESOLVED,
    "pending close": State.RESOLVED, "merged": State.CANCELLED, "removed": State.CANCELLED,
    "deleted": State.CANCELLED, "archived": State.CLOSED,
    "novo": State.NEW, "aberto": State.NEW, "em atendimento atribuido": State.IN_PROGRESS,
    "em atendimento planejado": State.IN_PROGRESS, "em curso atribuido": State.IN_PROGRESS,
    "em curso planeado": State.IN_PROGRESS, "em andamento": State.IN_PROGRESS,
    "pendente": State.WAITING_OTHER, "solucionado": State.RESOLVED, "resolvido": State.RESOLVED,
    "fechado": State.CLOSED, "encerrado": State.CLOSED, "fechado com exito": State.CLOSED,
    "fechado sem exito": State.CLOSED, "mesclado": State.CANCELLED,
    "nuevo": State.NEW, "abierto": State.NEW, "en curso asignado": State.IN_PROGRESS,
    "en curso planificado": State.IN_PROGRESS, "en progreso": State.IN_PROGRESS,
    "en espera": State.WAITING_OTHER, "pendiente": State.WAITING_OTHER,
    "resuelto": State.RESOLVED, "solucionado ": State.RESOLVED, "cerrado": State.CLOSED,
    "cerrado con exito": State.CLOSED, "cerrado sin exito": State.CLOSED,
    "fusionado": State.CANCELLED,
    "nouveau": State.NEW, "ouvert": State.NEW, "en cours attribue": State.IN_PROGRESS,
    "en cours planifie": State.IN_PROGRESS, "en attente": State.WAITING_OTHER,
    "resolu": State.RESOLVED, "clos": State.CLOSED, "ferme": State.CLOSED,
    "ferme avec succes": State.CLOSED, "ferme sans succes": State.CLOSED,
    "fusionne": State.CANCELLED,
    "neu": State.NEW, "offen": State.NEW, "in bearbeitung zugewiesen": State.IN_PROGRESS,
    "in bearbeitung geplant": State.IN_PROGRESS, "in bearbeitung": State.IN_PROGRESS,
    "warten": State.WAITING_OTHER, "wartend": State.WAITING_OTHER,
    "warten zur erinnerung": State.WAITING_OTHER, "warten auf erinnerung": State.WAITING_OTHER,
    "warten auf schliessen": State.RESOLVED, "gelost": State.RESOLVED,
    "geschlossen": State.CLOSED, "erfolgreich geschlossen": State.CLOSED,
    "erfolglos geschlossen": State.CLOSED, "zusammengefasst": State.CANCELLED,
    "zusammengefuhrt": State.CANCELLED,
    "nieuw": State.NEW, "open ": State.NEW, "in behandeling toegewezen": State.IN_PROGRESS,
    "in behandeling gepland": State.IN_PROGRESS, "in behandeling": State.IN_PROGRESS,
    "wachtend": State.WAITING_OTHER, "in afwachting": State.WAITING_OTHER,
    "opgelost": State.RESOLVED, "gesloten": State.CLOSED,
    "succesvol gesloten": State.CLOSED, "niet succesvol gesloten": State.CLOSED,
    "samengevoegd": State.CANCELLED,
    "nuovo": State.NEW, "aperto": State.NEW, "in corso assegnato": State.IN_PROGRESS,
    "in corso pianificato": State.IN_PROGRESS, "in lavorazione": State.IN_PROGRESS,
    "in attesa": State.WAITING_OTHER, "risolto": State.RESOLVED, "chiuso": State.CLOSED,
    "chiuso con successo": State.CLOSED, "chiuso senza successo": State.CLOSED,
    "unito": State.CANCELLED,
}
"""Status label (normalised) -> canonical state, as the tools ship them translated: English,
then Portuguese, Spanish, French, German, Dutch and Italian."""

TICKET_TYPES: dict[str, TicketType] = {
    "incident": TicketType.INCIDENT, "incidente": TicketType.INCIDENT,
    "incidencia": TicketType.INCIDENT, "storung": TicketType.INCIDENT,
    "incidentmelding": TicketType.INCIDENT, "incidenten": TicketType.INCIDENT,
    "request": TicketType.SERVICE_REQUEST, "service request": TicketType.SERVICE_REQUEST,
    "requisicao": TicketType.SERVICE_REQUEST, "solicitacao": TicketType.SERVICE_REQUEST,
    "requerimiento": TicketType.SERVICE_REQUEST, "solicitud": TicketType.SERVICE_REQUEST,
    "peticion": TicketType.SERVICE_REQUEST, "demande": TicketType.SERVICE_REQUEST,
    "anfrage": TicketType.SERVICE_REQUEST, "anforderung": TicketType.SERVICE_REQUEST,
    "serviceanfrage": TicketType.SERVICE_REQUEST, "verzoek": TicketType.SERVICE_REQUEST,
    "aanvraag": TicketType.SERVICE_REQUEST, "richiesta": TicketType.SERVICE_REQUEST,
    "problem": TicketType.PROBLEM, "problema": TicketType.PROBLEM,
    "probleme": TicketType.PROBLEM, "probleem": TicketType.PROBLEM,
    "change": TicketType.CHANGE, "mudanca": TicketType.CHANGE, "cambio": TicketType.CHANGE,
    "changement": TicketType.CHANGE, "anderung": TicketType.CHANGE,
    "wijziging": TicketType.CHANGE, "modifica": TicketType.CHANGE,
}
"""Ticket-type label (normalised) -> pdca's ticket type."""

PRIORITY_WORDS: dict[str, int] = {
    "critical": 0, "major": 0, "urgent": 0, "highest": 0, "blocker": 0,
    "critica": 0, "altissima": 0, "urgente": 0, "maior": 0, "critique": 0, "majeure": 0,
    "kritisch": 0, "dringend": 0, "sehr dringend": 0, "kritiek": 0, "urgent ": 0,
    "very high": 1, "muito alta": 1, "muy alta": 1, "tres haute": 1, "sehr hoch": 1,
    "zeer hoog": 1, "molto alta": 1,
    "high": 2, "alta": 2, "haute": 2, "hoch": 2, "hoog": 2, "elevata": 2,
    "medium": 3, "normal": 3, "moderate": 3, "media": 3, "moyenne": 3, "mittel": 3,
    "normaal": 3, "gemiddeld": 3, "normale": 3,
    "low": 4, "baixa": 4, "baja": 4, "basse": 4, "niedrig": 4, "laag": 4, "bassa": 4,
    "very low": 5, "muito baixa": 5, "muy baja": 5, "tres basse": 5, "sehr niedrig": 5,
    "zeer laag": 5, "molto bassa": 5, "lowest": 5,
}
"""Priority word (normalised, a leading number such as "3 " removed) -> severity order: 0 is
the most urgent (critical, major), 5 the least (very low)."""

DURATION_HEADERS: tuple[str, ...] = (
    "duration", "time open", "minutes open", "hours open", "total minutes", "resolution time",
    "time to resolve", "elapsed", "tempo", "duracao", "tempo total", "tempo de resolucao",
    "duracion", "tiempo", "tiempo de resolucion", "duree", "temps", "temps de resolution",
    "dauer", "bearbeitungszeit", "losungszeit", "duur", "doorlooptijd", "totale minuten open",
    "minuten open", "oplostijd", "durata", "tempo di risoluzione",
)
"""Header words of a column that holds a ticket's duration (a ticket list without dates)."""
# fmt: on


def date_kind(header: str) -> str | None:
    """The ticket-list date kind a header names (``"Data da solução"`` -> ``"resolved"``)."""
    name = normal(header)
    for kind, names in DATE_HEADERS.items():
        if name in names:
            return kind
    return None


def delay_kind(header: str) -> str | None:
    """The date kind a duration column gives when counted from the opening, or None."""
    name = normal(header)
    for kind, names in DELAY_HEADERS.items():
        if name in names:
            return kind
    return None


def field_of(header: str) -> str | None:
    """The canonical field a (translated) header names exactly, or None."""
    name = normal(header)
    for field, names in HEADERS.items():
        if name in names:
            return field
    return None


def state_of(label: str) -> State | None:
    """The canonical state a translated status label names, or None when it is not known."""
    name = normal(label)
    return STATUS_LABELS.get(name) or STATUS_LABELS.get(name + " ")


def yes_no(value: str) -> bool | None:
    """True for a yes word, False for a no word, None otherwise."""
    name = normal(value)
    if name in YES_WORDS:
        return True
    if name in NO_WORDS:
        return False
    return None


def sla_meaning(header: str) -> str | None:
    """``"breached"`` when yes means the SLA was breached, ``"met"`` when yes means met,
    None when the header is not an SLA verdict."""
    name = f" {normal(header)} "
    if any(f" {w} " in name for w in SLA_BREACH_WORDS):
        return "breached"
    if any(f" {w} " in name for w in SLA_MET_WORDS):
        return "met"
    if any(f" {w} " in name for w in SLA_TOPIC_WORDS):
        return "met"
    return None


def priority_order(label: str) -> int | None:
    """Severity order of a priority label (0 most urgent), None when the words are unknown."""
    name = re.sub(r"^\d+\s*", "", normal(label))
    found = PRIORITY_WORDS.get(name)
    if found is None:
        found = PRIORITY_WORDS.get(name + " ")
    return found


def ticket_type_of(label: str) -> TicketType | None:
    """pdca's ticket type for a translated type label, or None."""
    return TICKET_TYPES.get(normal(label))


def is_duration_header(header: str) -> bool:
    """Whether a header names a duration column (``"totale minuten open"``)."""
    name = f" {normal(header)} "
    return any(f" {w} " in name for w in DURATION_HEADERS)
