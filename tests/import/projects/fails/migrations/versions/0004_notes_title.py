"""notes.title

Revision ID: 44dd55ee66ff
Revises: 33cc44dd55ee
Create Date: 2024-11-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '44dd55ee66ff'
down_revision = '33cc44dd55ee'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('notes', sa.Column('title', sa.String(length=100), nullable=True))


def downgrade() -> None:
    op.drop_column('notes', 'title')
