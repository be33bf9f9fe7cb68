"""create accounts

Revision ID: 2b7c9d0e1f2a
Revises: 1f8a2b3c4d5e
Create Date: 2024-01-12 14:02:10.551920

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2b7c9d0e1f2a'
down_revision = '1f8a2b3c4d5e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('balance', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False),
        sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
        sa.CheckConstraint('balance >= 0', name='balance_nonnegative'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('accounts')
