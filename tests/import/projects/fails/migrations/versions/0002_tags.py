"""tags

Revision ID: 22bb33cc44dd
Revises: 11aa22bb33cc
Create Date: 2024-11-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '22bb33cc44dd'
down_revision = '11aa22bb33cc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tags',
        sa.Column('note_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['note_id'], ['notes.id']),
        sa.PrimaryKeyConstraint('note_id', 'tag'),
    )


def downgrade() -> None:
    op.drop_table('tags')
