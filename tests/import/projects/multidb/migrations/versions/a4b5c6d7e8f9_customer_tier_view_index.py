"""customer tier; page_views index

Revision ID: a4b5c6d7e8f9
Revises: f3a4b5c6d7e8
Create Date: 2024-04-02 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4b5c6d7e8f9'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()





def upgrade_main() -> None:
    op.add_column('customers', sa.Column('tier', sa.String(length=10), server_default='basic', nullable=False))
    op.execute("UPDATE customers SET tier = 'gold' WHERE id IN (SELECT customer_id FROM orders WHERE total > 50)")


def downgrade_main() -> None:
    with op.batch_alter_table('customers') as batch_op:
        batch_op.drop_column('tier')


def upgrade_analytics() -> None:
    op.create_index('ix_page_views_path_viewed_at', 'page_views', ['path', 'viewed_at'])


def downgrade_analytics() -> None:
    op.drop_index('ix_page_views_path_viewed_at', table_name='page_views')

