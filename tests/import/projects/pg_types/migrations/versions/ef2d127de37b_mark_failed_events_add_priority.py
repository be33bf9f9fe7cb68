"""mark failed events, add priority

Uses the enum value added by the previous revision (only possible because
that one committed it).  The priority enum type is created explicitly:
op.add_column does not create the type of a new Enum column.

Revision ID: ef2d127de37b
Revises: 4e07408562be
Create Date: 2024-06-03 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'ef2d127de37b'
down_revision = '4e07408562be'
branch_labels = None
depends_on = None

priority = postgresql.ENUM('low', 'normal', 'high', name='event_priority')


def upgrade() -> None:
    op.execute("UPDATE events SET status = 'failed' WHERE payload ? 'error'")
    priority.create(op.get_bind(), checkfirst=False)  # no catalog query
    op.add_column('events', sa.Column('priority', priority, server_default='normal', nullable=False))
    op.create_table(
        'event_retries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('previous_status', postgresql.ENUM(name='event_status', create_type=False), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='event_retries_event_id_fkey'),
        sa.PrimaryKeyConstraint('id', name='event_retries_pkey'),
    )
    op.execute(
        "INSERT INTO event_retries (event_id, previous_status, attempted_at) "
        "SELECT id, 'failed', TIMESTAMPTZ '2024-06-03 08:30:00+00' FROM events WHERE status = 'failed'"
    )


def downgrade() -> None:
    op.drop_table('event_retries')
    op.drop_column('events', 'priority')
    priority.drop(op.get_bind(), checkfirst=False)
    op.execute("UPDATE events SET status = 'processing' WHERE status = 'failed'")
