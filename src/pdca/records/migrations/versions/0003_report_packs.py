"""The governance record: archived review packs (pdca report --archive).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_packs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("store", sa.Text(), nullable=False),
        sa.Column("log", sa.Text(), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("template_name", sa.String(80), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("objectives_source", sa.Text(), nullable=False),
        sa.Column("objectives_found_by", sa.String(32), nullable=False),
        sa.Column("objectives", sa.Text(), nullable=True),
        sa.Column("objectives_sha256", sa.String(64), nullable=True),
        sa.Column("data_version", sa.String(255), nullable=False),
        sa.Column("imports", sa.Text(), nullable=False),
        sa.Column("pdca_version", sa.String(64), nullable=False),
        sa.Column("generator", sa.String(64), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("html_sha256", sa.String(64), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_report_packs"),
    )
    op.create_index("ix_report_packs_log", "report_packs", ["log"])


def downgrade() -> None:
    op.drop_index("ix_report_packs_log", table_name="report_packs")
    op.drop_table("report_packs")
