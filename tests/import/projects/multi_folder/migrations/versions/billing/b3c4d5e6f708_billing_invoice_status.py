"""billing: invoice status

Revision ID: b3c4d5e6f708
Revises: b2b3c4d5e6f7
Create Date: 2024-06-01 09:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c4d5e6f708'
down_revision = 'b2b3c4d5e6f7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('billing_invoices', sa.Column('status', sa.String(length=10), server_default='open', nullable=False))
    op.create_index('ix_billing_invoices_status', 'billing_invoices', ['status'])


def downgrade() -> None:
    op.drop_index('ix_billing_invoices_status', table_name='billing_invoices')
    op.drop_column('billing_invoices', 'status')
