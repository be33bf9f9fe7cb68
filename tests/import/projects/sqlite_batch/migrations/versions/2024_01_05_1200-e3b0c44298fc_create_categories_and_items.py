"""create categories and items

Revision ID: e3b0c44298fc
Revises: 
Create Date: 2024-01-05 12:00:31.262812

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b0c44298fc'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    categories = op.create_table(
        'categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', name='uq_categories_name'),
    )
    items = op.create_table(
        'items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=True),
        sa.Column('price', sa.Integer(), nullable=True),
        sa.Column('legacy_flag', sa.Boolean(), nullable=True),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['category_id'], ['categories.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(categories, [
        {'id': 1, 'name': 'tools'},
        {'id': 2, 'name': 'garden'},
    ])
    op.bulk_insert(items, [
        {'id': 1, 'name': 'hammer', 'price': 12, 'legacy_flag': True, 'category_id': 1},
        {'id': 2, 'name': None, 'price': 3, 'legacy_flag': None, 'category_id': 1},
        {'id': 3, 'name': 'rake', 'price': None, 'legacy_flag': False, 'category_id': 2},
        {'id': 4, 'name': 'gnome ☃', 'price': 40, 'legacy_flag': False, 'category_id': None},
    ])


def downgrade() -> None:
    op.drop_table('items')
    op.drop_table('categories')
