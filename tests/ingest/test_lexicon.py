"""Header, status and yes/no words in seven languages (pdca.ingest.lexicon).

Labels as GLPI (locales/*.po), Znuny (Kernel/Language/*.pm), osTicket and Zammad (i18n) ship
them translated.
"""

from __future__ import annotations

import pytest

from pdca.ingest.lexicon import (
    date_kind,
    delay_kind,
    field_of,
    normal,
    priority_order,
    sla_meaning,
    state_of,
    ticket_type_of,
    yes_no,
)
from pdca.model.vocab import State, TicketType


def test_normal_ignores_case_accents_and_punctuation() -> None:
    assert normal("Em atendimento (atribuído)") == "em atendimento atribuido"
    assert normal("Gelöst") == "gelost"
    assert normal("Atribuído - Técnico") == "atribuido tecnico"


@pytest.mark.parametrize(
    ("label", "state"),
    [
        ("Novo", State.NEW),
        ("Em atendimento (atribuído)", State.IN_PROGRESS),
        ("Em atendimento (planejado)", State.IN_PROGRESS),
        ("Pendente", State.WAITING_OTHER),
        ("Solucionado", State.RESOLVED),
        ("Fechado", State.CLOSED),
        ("Nouveau", State.NEW),
        ("En cours (attribué)", State.IN_PROGRESS),
        ("En attente", State.WAITING_OTHER),
        ("Résolu", State.RESOLVED),
        ("Clos", State.CLOSED),
        ("Neu", State.NEW),
        ("In Bearbeitung (zugewiesen)", State.IN_PROGRESS),
        ("Warten", State.WAITING_OTHER),
        ("Gelöst", State.RESOLVED),
        ("Geschlossen", State.CLOSED),
        ("erfolgreich geschlossen", State.CLOSED),
        ("Nuevo", State.NEW),
        ("En curso (asignado)", State.IN_PROGRESS),
        ("Resuelto", State.RESOLVED),
        ("Cerrado", State.CLOSED),
        ("Nieuw", State.NEW),
        ("Opgelost", State.RESOLVED),
        ("Gesloten", State.CLOSED),
        ("Nuovo", State.NEW),
        ("In corso (assegnato)", State.IN_PROGRESS),
        ("Risolto", State.RESOLVED),
        ("Chiuso", State.CLOSED),
        ("closed successful", State.CLOSED),
    ],
)
def test_status_labels(label: str, state: State) -> None:
    assert state_of(label) is state


def test_unknown_status_is_left_to_the_user() -> None:
    assert state_of("Aguardando aprovação do diretor") is None


@pytest.mark.parametrize(
    ("word", "said"),
    [
        ("Sim", True), ("Não", False), ("Sí", True), ("No", False), ("Oui", True),
        ("Non", False), ("Ja", True), ("Nein", False), ("Nee", False), ("Sì", True),
        ("yes", True), ("TRUE", True), ("false", False),
    ],
)  # fmt: skip
def test_yes_and_no(word: str, said: bool) -> None:
    assert yes_no(word) is said


def test_maybe_is_neither() -> None:
    assert yes_no("talvez") is None


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Data de abertura", "opened"),
        ("Data da solução", "resolved"),
        ("Data de fechamento", "closed"),
        ("Fecha de apertura", "opened"),
        ("Date de résolution", "resolved"),
        ("Date de clôture", "closed"),
        ("Erstellt am", "opened"),
        ("Geschlossen am", "closed"),
        ("Aangemaakt op", "opened"),
        ("Opgelost op", "resolved"),
        ("Data di apertura", "opened"),
        ("Data di chiusura", "closed"),
        ("Opened", "opened"),
        ("First response", "first_response"),
        ("Título", None),
    ],
)
def test_date_headers(header: str, kind: str | None) -> None:
    assert date_kind(header) == kind


def test_delay_headers() -> None:
    assert delay_kind("Tempo para atendimento") == "first_response"
    assert delay_kind("Délai de prise en compte") == "first_response"
    assert delay_kind("Prioridade") is None


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Prioridade", "priority"),
        ("Priorité", "priority"),
        ("Priorität", "priority"),
        ("Prioriteit", "priority"),
        ("Categoria", "category"),
        ("Kategorie", "category"),
        ("Atribuído - Técnico", "resource"),
        ("Attribué à - Technicien", "resource"),
        ("Atribuído - Grupo", "assignment_group"),
        ("Gruppe", "assignment_group"),
        ("Status", "activity"),
        ("Estado", "activity"),
        ("Statut", "activity"),
        ("Stato", "activity"),
        ("Tipo", "ticket_type"),
    ],
)
def test_field_headers(header: str, field: str) -> None:
    assert field_of(header) == field


def test_sla_columns_and_their_sign() -> None:
    assert sla_meaning("Tempo para resolver excedido") == "breached"  # exceeded: Sim = breached
    assert sla_meaning("Temps de résolution dépassé") == "breached"
    assert sla_meaning("Lösungszeit überschritten") == "breached"
    assert sla_meaning("Made SLA") == "met"
    assert sla_meaning("SLA gehaald") == "met"
    assert sla_meaning("Categoria") is None


def test_priorities_in_order_and_ticket_types() -> None:
    order = [priority_order(p) for p in ("Muito alta", "Alta", "Média", "Baixa", "Muito baixa")]
    assert order == sorted(order)
    assert priority_order("Kritisch") < priority_order("Niedrig")  # type: ignore[operator]
    assert priority_order("Whenever") is None
    assert ticket_type_of("Requisição") is TicketType.SERVICE_REQUEST
    assert ticket_type_of("Incidente") is TicketType.INCIDENT
    assert ticket_type_of("Demande") is TicketType.SERVICE_REQUEST
    assert ticket_type_of("Storing") is None
