"""seed reference data

Needs the audit table (audit branch) to record what it did.

Revision ID: 5f6a7b8c9d0e
Revises: 4e5f6a7b8c9d
Create Date: 2024-02-10 17:45:12.000000

"""
from alembic import op
import sqlalchemy as sa

from app_seed import PLAN_ROWS, USER_ROWS


# revision identifiers, used by Alembic.
revision = '5f6a7b8c9d0e'
down_revision = '4e5f6a7b8c9d'
branch_labels = None
depends_on = 'a0a1b2c3d4e5'


def upgrade() -> None:
    plans = op.create_table(
        'plans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('title', sa.Unicode(length=100), nullable=False),
        sa.Column('price', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=True),
        sa.Column('notes', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.bulk_insert(plans, PLAN_ROWS)

    users = sa.table(
        'users',
        sa.column('email', sa.String),
        sa.column('name', sa.String),
        sa.column('is_active', sa.Boolean),
        sa.column('created_at', sa.DateTime),
    )
    op.bulk_insert(users, USER_ROWS)

    op.execute(
        "INSERT INTO audit_events (happened_at, actor, action, detail) "
        "VALUES ('2024-02-10 17:45:12', 'migration', 'seed', "
        "'plans: 100% seeded; O''Reilly''s \"pro\" tier')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM audit_events WHERE action = 'seed'")
    op.execute(
        "DELETE FROM users WHERE email IN "
        "('ada@example.com', 'bob@example.com', 'chloé@example.com')"
    )
    op.drop_table('plans')
