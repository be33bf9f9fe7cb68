"""case-insensitive unique email

Expression indexes differ per backend: MariaDB has none, so it gets a
stored generated column with an ordinary unique index.

Revision ID: 1b2c3d4e5f60
Revises: 0a9b8c7d6e5f
Create Date: 2024-09-18 09:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1b2c3d4e5f60'
down_revision = '0a9b8c7d6e5f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'mysql':
        op.add_column('users', sa.Column('email_lower', sa.String(length=255),
                                         sa.Computed('lower(`email`)', persisted=True)))
        op.create_index('ix_users_email_lower', 'users', ['email_lower'], unique=True)
    else:
        op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'mysql':
        op.drop_index('ix_users_email_lower', table_name='users')
        op.drop_column('users', 'email_lower')
    else:
        op.drop_index('ix_users_email_lower', table_name='users')
