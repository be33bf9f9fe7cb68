"""notes

Revision ID: 11aa22bb33cc
Revises: 
Create Date: 2024-11-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11aa22bb33cc'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    notes = op.create_table(
        'notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(notes, [{'id': 1, 'body': 'first'}, {'id': 2, 'body': 'second'}])


def downgrade() -> None:
    op.drop_table('notes')
