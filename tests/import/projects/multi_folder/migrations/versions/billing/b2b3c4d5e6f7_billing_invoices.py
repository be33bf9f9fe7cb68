"""billing: invoices addressed to users

Revision ID: b2b3c4d5e6f7
Revises: b1a2c3d4e5f6
Create Date: 2024-04-12 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2b3c4d5e6f7'
down_revision = 'b1a2c3d4e5f6'
branch_labels = None
depends_on = '8a3b2c1d0e9f'


def upgrade() -> None:
    op.create_table(
        'billing_invoices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('issued_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['billing_plans.id'], name='fk_billing_invoices_plan'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_billing_invoices_user'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute(
        "INSERT INTO billing_invoices (id, plan_id, user_id, amount_cents, issued_on) "
        "SELECT u.id * 100, p.id, u.id, p.monthly_cents, '2024-04-30' "
        "FROM users u JOIN billing_plans p ON p.tenant_id = u.tenant_id"
    )


def downgrade() -> None:
    op.drop_table('billing_invoices')
