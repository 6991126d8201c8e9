"""The improvement register: initiatives, their change log, and the copies of DuckDB registers.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("cycle", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("kpi", sa.String(255), nullable=False),
        sa.Column("kpi_options", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Text(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("actions", sa.Text(), nullable=True),
        sa.Column("go_live", sa.DateTime(), nullable=True),
        sa.Column("standard", sa.Text(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_initiatives"),
    )
    op.create_index("ix_initiatives_log", "initiatives", ["log"])
    op.create_table(
        "initiative_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("field", sa.String(64), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name="fk_initiative_log_initiative_id_initiatives",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_initiative_log"),
        sa.UniqueConstraint("initiative_id", "entry", name="uq_initiative_log_initiative_id"),
    )
    op.create_index("ix_initiative_log_initiative_id", "initiative_log", ["initiative_id"])
    op.create_table(
        "register_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store", sa.String(1024), nullable=False),
        sa.Column("migrated_at", sa.DateTime(), nullable=False),
        sa.Column("initiatives", sa.Integer(), nullable=False),
        sa.Column("log_entries", sa.Integer(), nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_register_migrations"),
        sa.UniqueConstraint("store", name="uq_register_migrations_store"),
    )


def downgrade() -> None:
    for table in ("register_migrations", "initiative_log", "initiatives"):
        op.drop_table(table)
