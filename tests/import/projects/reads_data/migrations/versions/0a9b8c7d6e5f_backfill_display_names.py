"""backfill display names and per-domain stats

Reads the users table and writes values computed in Python.

Revision ID: 0a9b8c7d6e5f
Revises: f0e1d2c3b4a5
Create Date: 2024-09-10 15:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0a9b8c7d6e5f'
down_revision = 'f0e1d2c3b4a5'
branch_labels = None
depends_on = None

user_stats = sa.table(
    'user_stats',
    sa.column('user_id', sa.Integer),
    sa.column('email_domain', sa.String),
    sa.column('domain_rank', sa.Integer),
)


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, email FROM users ORDER BY id")).fetchall()
    per_domain = {}
    stats = []
    for user_id, email in rows:
        local, _, domain = email.partition('@')
        name = ' '.join(p.capitalize() for p in local.replace('_', '.').split('.'))
        bind.execute(
            sa.text("UPDATE users SET display_name = :name WHERE id = :id"),
            {"name": name, "id": user_id},
        )
        per_domain[domain] = per_domain.get(domain, 0) + 1
        stats.append({'user_id': user_id, 'email_domain': domain, 'domain_rank': per_domain[domain]})
    if stats:
        op.bulk_insert(user_stats, stats)


def downgrade() -> None:
    op.execute("DELETE FROM user_stats")
    op.execute("UPDATE users SET display_name = NULL")
