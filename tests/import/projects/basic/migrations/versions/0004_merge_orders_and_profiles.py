"""merge orders and profiles

Revision ID: 4e5f6a7b8c9d
Revises: 3c4d5e6f7a8b, 3d9e8f7a6b5c
Create Date: 2024-02-05 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4e5f6a7b8c9d'
down_revision = ('3c4d5e6f7a8b', '3d9e8f7a6b5c')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
