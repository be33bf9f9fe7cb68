"""backfill tags (broken: refers to a column that does not exist)

Creates an index first, then fails; on SQLite (non-transactional DDL for
Alembic) the index stays behind.

Revision ID: 33cc44dd55ee
Revises: 22bb33cc44dd
Create Date: 2024-11-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '33cc44dd55ee'
down_revision = '22bb33cc44dd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tags_tag', 'tags', ['tag'])
    op.execute("INSERT INTO tags (note_id, tag) SELECT id, category FROM notes")


def downgrade() -> None:
    op.drop_index('ix_tags_tag', table_name='tags')
