"""priority column, only where it is missing

Asks the database what exists: a database changed by hand would take the
other branch.

Revision ID: r2b000000002
Revises: r1a000000001
Create Date: 2025-01-11 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'r2b000000002'
down_revision = 'r1a000000001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = [c['name'] for c in sa.inspect(op.get_bind()).get_columns('events')]
    if 'priority' not in columns:
        op.add_column('events', sa.Column('priority', sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('priority')
