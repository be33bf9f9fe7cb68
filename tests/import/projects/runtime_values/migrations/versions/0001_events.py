"""events table

A SQL function as a server default (sa.func.now()) and a batch operation:
nothing here depends on when or where the revision runs.

Revision ID: r1a000000001
Revises:
Create Date: 2025-01-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'r1a000000001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'events',
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('kind', sa.String(40), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False, server_default=sa.func.now()),
        sa.Column('note', sa.Text),
    )
    with op.batch_alter_table('events') as batch:
        batch.alter_column('kind', type_=sa.String(60), existing_nullable=False)


def downgrade() -> None:
    op.drop_table('events')
