"""index on kind

Revision ID: r4d000000004
Revises: r3c000000003
Create Date: 2025-01-13 09:00:00.000000

"""
from alembic import op

revision = 'r4d000000004'
down_revision = 'r3c000000003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_kind', 'events', ['kind'])


def downgrade() -> None:
    op.drop_index('ix_events_kind', table_name='events')
