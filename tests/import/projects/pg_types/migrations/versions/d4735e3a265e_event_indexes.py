"""event indexes: partial, GIN

Revision ID: d4735e3a265e
Revises: 3b5d5c371295
Create Date: 2024-05-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd4735e3a265e'
down_revision = '3b5d5c371295'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_pending', 'events', ['created_at'], unique=False,
                    postgresql_where=sa.text("status = 'new'"))
    op.create_index('ix_events_payload', 'events', ['payload'], unique=False,
                    postgresql_using='gin', postgresql_ops={'payload': 'jsonb_path_ops'})
    op.create_index('ix_events_tags', 'events', ['tags'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_events_tags', table_name='events')
    op.drop_index('ix_events_payload', table_name='events')
    op.drop_index('ix_events_pending', table_name='events')
