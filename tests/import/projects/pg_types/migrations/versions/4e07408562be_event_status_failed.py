"""add 'failed' to event_status

ALTER TYPE ... ADD VALUE: PostgreSQL < 12 refuses it inside a transaction
block, and even on 12+ the new value cannot be used before the transaction
that added it commits.  Alembic runs the whole upgrade in one transaction on
PostgreSQL, so the statement runs in an autocommit block (which commits the
revisions before it).

Revision ID: 4e07408562be
Revises: d4735e3a265e
Create Date: 2024-06-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '4e07408562be'
down_revision = 'd4735e3a265e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE event_status ADD VALUE IF NOT EXISTS 'failed' AFTER 'processing'")


def downgrade() -> None:
    # PostgreSQL cannot drop an enum value: rebuild the type
    op.drop_index('ix_events_pending', table_name='events')
    op.execute("ALTER TABLE events ALTER COLUMN status DROP DEFAULT")
    op.execute("ALTER TYPE event_status RENAME TO event_status_old")
    op.execute("CREATE TYPE event_status AS ENUM ('new', 'processing', 'done')")
    op.execute(
        "ALTER TABLE events ALTER COLUMN status TYPE event_status "
        "USING status::text::event_status"
    )
    op.execute("ALTER TABLE events ALTER COLUMN status SET DEFAULT 'new'")
    op.execute("DROP TYPE event_status_old")
    op.create_index('ix_events_pending', 'events', ['created_at'], unique=False,
                    postgresql_where=sa.text("status = 'new'"))
