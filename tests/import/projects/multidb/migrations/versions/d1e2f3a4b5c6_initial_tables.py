"""initial tables

Revision ID: d1e2f3a4b5c6
Revises: 
Create Date: 2024-03-01 09:00:00.000000

"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1e2f3a4b5c6'
down_revision = None
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()





def upgrade_main() -> None:
    customers = op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('email', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(customers, [
        {'id': 1, 'name': 'Müller GmbH', 'email': 'info@mueller.example'},
        {'id': 2, 'name': "D'Angelo & Sons", 'email': None},
    ])


def downgrade_main() -> None:
    op.drop_table('customers')


def upgrade_analytics() -> None:
    views = op.create_table(
        'page_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=255), nullable=False),
        sa.Column('viewed_at', sa.DateTime(), nullable=False),
        sa.Column('ms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(views, [
        {'id': 1, 'path': '/', 'viewed_at': datetime.datetime(2024, 3, 1, 10, 0), 'ms': 120},
        {'id': 2, 'path': '/pricing?plan=pro&discount=10%', 'viewed_at': datetime.datetime(2024, 3, 1, 10, 5), 'ms': 340},
        {'id': 3, 'path': '/', 'viewed_at': datetime.datetime(2024, 3, 2, 8, 0), 'ms': 80},
    ])


def downgrade_analytics() -> None:
    op.drop_table('page_views')

