"""replace legacy_flag with sku

Revision ID: 60303ae22b99
Revises: 9f86d081884c
Create Date: 2024-02-02 16:15:47.090133

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '60303ae22b99'
down_revision = '9f86d081884c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sku', sa.String(length=32), nullable=True))
        batch_op.drop_column('legacy_flag')
    op.execute("UPDATE items SET sku = 'SKU-' || printf('%04d', id)")


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legacy_flag', sa.BOOLEAN(), nullable=True))
        batch_op.drop_column('sku')
