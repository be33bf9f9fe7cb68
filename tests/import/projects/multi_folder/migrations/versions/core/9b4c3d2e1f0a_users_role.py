"""users.role

Revision ID: 9b4c3d2e1f0a
Revises: 8a3b2c1d0e9f
Create Date: 2024-05-15 13:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b4c3d2e1f0a'
down_revision = '8a3b2c1d0e9f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('role', sa.String(length=20), server_default='member', nullable=False))
    op.execute("UPDATE users SET role = 'owner' WHERE email LIKE 'owner@%'")


def downgrade() -> None:
    op.drop_column('users', 'role')
