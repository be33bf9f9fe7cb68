"""users and user_stats

Revision ID: f0e1d2c3b4a5
Revises: 
Create Date: 2024-09-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f0e1d2c3b4a5'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    users = op.create_table(
        'users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=255), nullable=False),
        sa.Column('display_name', sa.String(length=100), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'user_stats',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('email_domain', sa.String(length=100), nullable=False),
        sa.Column('domain_rank', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.bulk_insert(users, [
        {'id': 1, 'email': 'grace.hopper@navy.example', 'country': 'US'},
        {'id': 2, 'email': 'alan_turing@bletchley.example', 'country': 'GB'},
        {'id': 3, 'email': 'ada@bletchley.example', 'country': None},
        {'id': 4, 'email': 'Edsger.Dijkstra@tue.example', 'country': 'NL'},
        {'id': 5, 'email': 'barbara.liskov@mit.example', 'country': 'US'},
    ])


def downgrade() -> None:
    op.drop_table('user_stats')
    op.drop_table('users')
