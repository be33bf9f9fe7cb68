"""billing: plans

First revision of the billing plugin: its own base, its own label.

Revision ID: b1a2c3d4e5f6
Revises: 
Create Date: 2024-04-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1a2c3d4e5f6'
down_revision = None
branch_labels = ('billing',)
depends_on = 'core'


def upgrade() -> None:
    plans = op.create_table(
        'billing_plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('monthly_cents', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name='fk_billing_plans_tenant'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(plans, [
        {'id': 1, 'tenant_id': 1, 'name': 'Gold', 'monthly_cents': 4900},
        {'id': 2, 'tenant_id': 2, 'name': 'Basic', 'monthly_cents': 900},
    ])


def downgrade() -> None:
    op.drop_table('billing_plans')
