"""deploy marker row

Values of the moment it runs: the clock and an environment variable.

Revision ID: r3c000000003
Revises: r2b000000002
Create Date: 2025-01-12 09:00:00.000000

"""
import datetime
import os

from alembic import op
import sqlalchemy as sa

revision = 'r3c000000003'
down_revision = 'r2b000000002'
branch_labels = None
depends_on = None

events = sa.table('events', sa.column('kind', sa.String), sa.column('created_at', sa.DateTime),
                  sa.column('note', sa.Text))


def upgrade() -> None:
    op.bulk_insert(events, [{'kind': 'deployed', 'created_at': datetime.datetime.utcnow(),
                             'note': os.environ.get('DEPLOY_NOTE', 'none')}])


def downgrade() -> None:
    op.execute("DELETE FROM events WHERE kind = 'deployed'")
