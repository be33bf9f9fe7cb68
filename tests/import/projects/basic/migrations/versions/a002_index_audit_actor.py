"""index audit actor

Revision ID: a1f2e3d4c5b6
Revises: a0a1b2c3d4e5
Create Date: 2024-03-01 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1f2e3d4c5b6'
down_revision = 'a0a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_audit_events_actor'), 'audit_events', ['actor', 'happened_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_audit_events_actor'), table_name='audit_events')
