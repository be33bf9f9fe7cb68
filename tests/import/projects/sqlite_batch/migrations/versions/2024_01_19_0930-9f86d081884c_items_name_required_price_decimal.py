"""items.name required, price decimal

Revision ID: 9f86d081884c
Revises: e3b0c44298fc
Create Date: 2024-01-19 09:30:02.774019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f86d081884c'
down_revision = 'e3b0c44298fc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE items SET name = '(unnamed)' WHERE name IS NULL")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('name',
               existing_type=sa.VARCHAR(length=50),
               type_=sa.String(length=200),
               nullable=False)
        batch_op.alter_column('price',
               existing_type=sa.INTEGER(),
               type_=sa.Numeric(precision=10, scale=2),
               existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('price',
               existing_type=sa.Numeric(precision=10, scale=2),
               type_=sa.INTEGER(),
               existing_nullable=True)
        batch_op.alter_column('name',
               existing_type=sa.String(length=200),
               type_=sa.VARCHAR(length=50),
               nullable=True)
    op.execute("UPDATE items SET name = NULL WHERE name = '(unnamed)'")
