"""users.signed_up_on

Revision ID: 2c3d4e5f6071
Revises: 1b2c3d4e5f60
Create Date: 2024-10-01 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2c3d4e5f6071'
down_revision = '1b2c3d4e5f60'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('users', sa.Column('signed_up_on', sa.Date(), nullable=True))
    op.add_column('user_stats', sa.Column('verified', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE users SET signed_up_on = '2024-10-01' WHERE country IS NOT NULL")


def downgrade() -> None:
    op.drop_column('user_stats', 'verified')
    op.drop_column('users', 'signed_up_on')
