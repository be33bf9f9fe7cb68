"""merge audit branch, add users.nickname

Revision ID: 7b8c9d0e1f2a
Revises: 6a7b8c9d0e1f, a1f2e3d4c5b6
Create Date: 2024-03-20 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b8c9d0e1f2a'
down_revision = ('6a7b8c9d0e1f', 'a1f2e3d4c5b6')
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('nickname', sa.String(length=50), server_default='', nullable=False))
    op.execute("UPDATE users SET nickname = name WHERE name IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('nickname')
