"""create customers

Revision ID: 1a2b3c4d5e6f
Revises: 
Create Date: 2024-07-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '1a2b3c4d5e6f'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    customers = op.create_table(
        'customers',
        sa.Column('id', mysql.INTEGER(unsigned=True), autoincrement=True, nullable=False),
        sa.Column('code', mysql.VARCHAR(length=16, charset='ascii', collation='ascii_bin'), nullable=False),
        sa.Column('name', sa.String(length=190), nullable=False),
        sa.Column('bio', mysql.MEDIUMTEXT(), nullable=True),
        sa.Column('is_vip', mysql.TINYINT(display_width=1), server_default=sa.text('0'), nullable=False),
        sa.Column('tier', mysql.ENUM('free', 'pro', 'enterprise'), server_default='free', nullable=False),
        sa.Column('balance', mysql.DECIMAL(precision=10, scale=2, unsigned=True), server_default='0.00', nullable=False),
        sa.Column('updated_at', mysql.TIMESTAMP(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code', name='uq_customers_code'),
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
        mysql_engine='InnoDB',
        mysql_auto_increment='100',
    )
    op.bulk_insert(customers, [
        {'code': 'ACME-01', 'name': 'Acme Corp', 'bio': None, 'is_vip': 1, 'tier': 'enterprise',
         'balance': 1500.25, 'updated_at': '2024-07-01 09:00:00'},
        {'code': 'zz-top', 'name': 'Zoë & Zacharias — “ZZ”', 'bio': 'Long text with emoji 🎸 and 100% "quotes"',
         'is_vip': 0, 'tier': 'free', 'balance': 0, 'updated_at': '2024-07-02 10:30:00'},
        {'code': 'Mixed', 'name': "O'Neil Ltd", 'bio': 'x' * 300, 'is_vip': 0, 'tier': 'pro',
         'balance': 99.9, 'updated_at': None},
    ])


def downgrade() -> None:
    op.drop_table('customers')
