"""add orders

Revision ID: 3c4d5e6f7a8b
Revises: 2b7c9d0e1f2a
Create Date: 2024-02-01 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c4d5e6f7a8b'
down_revision = '2b7c9d0e1f2a'
branch_labels = ('orders',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('placed_on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_orders_placed_on'), 'orders', ['placed_on'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_orders_placed_on'), table_name='orders')
    op.drop_table('orders')
