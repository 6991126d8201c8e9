"""The records database: migrations on open, the models match them, accounts' rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from pdca.errors import ConfigError, InputError
from pdca.records import RECORDS_FILE, Role, User, accounts, open_records
from pdca.records.base import Base
from pdca.records.passwords import verify_password
from pdca.web import create_app
from pdca.web.state import DbSession


def test_open_creates_and_migrates_sqlite_in_the_store(tmp_path: Path) -> None:
    records = open_records(tmp_path / "store")
    assert (tmp_path / "store" / RECORDS_FILE).is_file()
    tables = set(inspect(records.engine).get_table_names())
    assert {"users", "api_tokens", "web_sessions", "login_attempts", "audit_log"} <= tables
    assert "alembic_version" in tables
    with records.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    records.close()
    again = open_records(tmp_path / "store")  # a second open applies nothing and loses nothing
    again.close()


def test_the_url_comes_from_the_argument_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    monkeypatch.setenv("PDCA_RECORDS_URL", url)
    records = open_records(tmp_path / "store")
    assert records.url == url
    assert (tmp_path / "elsewhere.sqlite").is_file()
    assert not (tmp_path / "store").exists()
    records.close()
    monkeypatch.setenv("PDCA_RECORDS_URL", "mysql://x")
    with pytest.raises(ConfigError, match="unsupported records database"):
        open_records(tmp_path / "store")


def test_accounts_rules(tmp_path: Path) -> None:
    records = open_records(tmp_path)
    with records.session() as db:
        user = accounts.add_user(
            db, "ann", "anns-password", "Owner", services=[" A ", "A", ""], who="t"
        )
        assert user.role == "owner"
        assert user.services == ["A"]
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "anns-password")
        assert not verify_password(user.password_hash, "anns-passwor")
        assert not verify_password(None, "anything-at-all")
        accounts.add_user(db, "root", "roots-password", Role.ADMIN, who="t")
        with pytest.raises(InputError, match="last enabled admin"):
            accounts.update_user(db, "root", role="viewer", who="t")
        with pytest.raises(InputError, match="last enabled admin"):
            accounts.update_user(db, "root", disabled=True, who="t")
        assert accounts.get_user(db, "root").role == "admin"  # nothing changed
        assert not accounts.get_user(db, "root").disabled
        accounts.update_user(db, "ann", role="admin", who="t")
        accounts.update_user(db, "root", disabled=True, who="t")  # another admin is left
    with records.session() as db:
        for name, password, said in [
            ("ann", "another-password", "exists already"),
            ("b", "short", "shorter than 8"),
            ("", "long-enough-pw", "invalid account name"),
            ("a/b", "long-enough-pw", "invalid account name"),
        ]:
            with pytest.raises(InputError, match=said):
                accounts.add_user(db, name, password, "viewer", who="t")
        with pytest.raises(InputError, match="unknown role"):
            accounts.parse_role("superuser")
        with pytest.raises(InputError, match="no user"):
            accounts.get_user(db, "nobody")
    records.close()


def test_a_handlers_change_is_committed_before_the_response(tmp_path: Path) -> None:
    """``DbSession`` commits before the response is sent: a failing commit is a 500, never a
    success the database does not hold (and a redirect's next request finds the change)."""
    app = create_app(tmp_path, records_url=f"sqlite:///{tmp_path / 'r.sqlite'}")

    @app.get("/test-duplicate", include_in_schema=False)
    def duplicate(records: DbSession) -> dict[str, str]:
        for _ in range(2):  # the same name twice: the commit fails on the unique constraint
            records.add(User(name="twin", password_hash="x", role="viewer", services=[], groups=[]))
        return {"status": "ok"}

    answer = TestClient(app, raise_server_exceptions=False).get("/test-duplicate")
    assert answer.status_code == 500
    app.state.web.records.close()
