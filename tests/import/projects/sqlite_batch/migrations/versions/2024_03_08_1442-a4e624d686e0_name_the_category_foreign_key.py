"""name the category foreign key, ON DELETE SET NULL

The original foreign key was created without a name; batch mode can only
drop it when a naming convention gives it one.

Revision ID: a4e624d686e0
Revises: fd61a03af4f7
Create Date: 2024-03-08 14:42:55.300412

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4e624d686e0'
down_revision = 'fd61a03af4f7'
branch_labels = None
depends_on = None

naming_convention = {
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}


def upgrade() -> None:
    with op.batch_alter_table('items', naming_convention=naming_convention) as batch_op:
        batch_op.drop_constraint('fk_items_category_id_categories', type_='foreignkey')
        batch_op.create_foreign_key('fk_items_category', 'categories', ['category_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('items', naming_convention=naming_convention) as batch_op:
        batch_op.drop_constraint('fk_items_category', type_='foreignkey')
        batch_op.create_foreign_key('fk_items_category_id_categories', 'categories',
                                    ['category_id'], ['id'])
