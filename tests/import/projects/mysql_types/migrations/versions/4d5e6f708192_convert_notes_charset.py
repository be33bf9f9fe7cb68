"""orders table, convert customer_notes to utf8mb4_bin

Revision ID: 4d5e6f708192
Revises: 3c4d5e6f7081
Create Date: 2024-08-20 16:45:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '4d5e6f708192'
down_revision = '3c4d5e6f7081'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE customer_notes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    orders = op.create_table(
        'orders',
        sa.Column('id', mysql.INTEGER(unsigned=True), autoincrement=True, nullable=False),
        sa.Column('customer_id', mysql.INTEGER(unsigned=True), nullable=False),
        sa.Column('status', mysql.ENUM('open', 'paid', 'void', charset='ascii'), server_default='open', nullable=False),
        sa.Column('qty', mysql.SMALLINT(unsigned=True), nullable=False),
        sa.Column('placed_at', mysql.DATETIME(fsp=6), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk_orders_customer'),
        sa.PrimaryKeyConstraint('id'),
        mysql_engine='InnoDB',
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
        mysql_row_format='DYNAMIC',
    )
    op.bulk_insert(orders, [
        {'customer_id': 100, 'status': 'paid', 'qty': 3, 'placed_at': '2024-08-20 16:45:00.123456'},
        {'customer_id': 100, 'status': 'open', 'qty': 65535, 'placed_at': '2024-08-21 00:00:00'},
        {'customer_id': 102, 'status': 'void', 'qty': 1, 'placed_at': '2024-08-22 12:00:00.5'},
    ])


def downgrade() -> None:
    op.drop_table('orders')
    op.execute("ALTER TABLE customer_notes CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
