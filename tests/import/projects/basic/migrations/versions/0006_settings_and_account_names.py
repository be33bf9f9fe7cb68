"""settings table, unique account names per user

Revision ID: 6a7b8c9d0e1f
Revises: 5f6a7b8c9d0e
Create Date: 2024-03-05 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6a7b8c9d0e1f'
down_revision = '5f6a7b8c9d0e'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'settings',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=True),
        sa.Column('max_items', sa.Integer(), server_default=sa.text('25'), nullable=False),
        sa.Column('ratio', sa.Numeric(precision=5, scale=3), server_default='0.125', nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.execute(
        "INSERT INTO settings (name, value) VALUES "
        "('welcome_text', 'Save 10% today — it''s O''Brien''s offer'), "
        "('like_pattern', 'a%b_c\\d'), "
        "('empty', NULL)"
    )

    # naming convention gives uq_accounts_name
    with op.batch_alter_table('accounts') as batch_op:
        batch_op.create_unique_constraint(None, ['name', 'user_id'])

    op.execute(
        "INSERT INTO accounts (user_id, name) "
        "SELECT id, 'main' FROM users WHERE email = 'ada@example.com'"
    )


def downgrade() -> None:
    op.execute("DELETE FROM accounts WHERE name = 'main'")
    with op.batch_alter_table('accounts') as batch_op:
        batch_op.drop_constraint('uq_accounts_name', type_='unique')
    op.drop_table('settings')
