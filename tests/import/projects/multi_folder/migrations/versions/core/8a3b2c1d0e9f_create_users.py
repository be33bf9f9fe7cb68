"""create users

Revision ID: 8a3b2c1d0e9f
Revises: 7e2f1a9c3b40
Create Date: 2024-04-03 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a3b2c1d0e9f'
down_revision = '7e2f1a9c3b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    users = op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name='fk_users_tenant'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_users_tenant_email', 'users', ['tenant_id', 'email'], unique=True)
    op.bulk_insert(users, [
        {'id': 10, 'tenant_id': 1, 'email': 'owner@acme.example'},
        {'id': 11, 'tenant_id': 2, 'email': 'owner@globex.example'},
    ])


def downgrade() -> None:
    op.drop_index('ix_users_tenant_email', table_name='users')
    op.drop_table('users')
