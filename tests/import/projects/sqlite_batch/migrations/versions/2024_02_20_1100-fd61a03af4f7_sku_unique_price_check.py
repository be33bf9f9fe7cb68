"""sku unique and required, price check

Revision ID: fd61a03af4f7
Revises: 60303ae22b99
Create Date: 2024-02-20 11:00:12.511100

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fd61a03af4f7'
down_revision = '60303ae22b99'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('sku',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)
        batch_op.create_unique_constraint('uq_items_sku', ['sku'])
        batch_op.create_check_constraint('ck_items_price_positive', 'price >= 0')


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('ck_items_price_positive', type_='check')
        batch_op.drop_constraint('uq_items_sku', type_='unique')
        batch_op.alter_column('sku',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)
