"""create tenants

Revision ID: 7e2f1a9c3b40
Revises: 
Create Date: 2024-04-01 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e2f1a9c3b40'
down_revision = None
branch_labels = ('core',)
depends_on = None


def upgrade() -> None:
    tenants = op.create_table(
        'tenants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=40), nullable=False),
        sa.Column('created_on', sa.Date(), server_default=sa.text('CURRENT_DATE'), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('slug', name='uq_tenants_slug'),
    )
    op.bulk_insert(tenants, [
        {'id': 1, 'slug': 'acme', 'created_on': None},
        {'id': 2, 'slug': 'globex', 'created_on': None},
    ])


def downgrade() -> None:
    op.drop_table('tenants')
