"""orders

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2024-03-08 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2f3a4b5c6d7'
down_revision = 'd1e2f3a4b5c6'
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()





def upgrade_main() -> None:
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('total', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('paid', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk_orders_customer'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.execute("INSERT INTO orders (id, customer_id, total) VALUES (1, 1, 99.95), (2, 2, 5.00)")


def downgrade_main() -> None:
    op.drop_table('orders')


def upgrade_analytics() -> None:
    pass


def downgrade_analytics() -> None:
    pass

