"""add 'trial' tier, status flags

Revision ID: 3c4d5e6f7081
Revises: 2b3c4d5e6f70
Create Date: 2024-08-01 11:15:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '3c4d5e6f7081'
down_revision = '2b3c4d5e6f70'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column('customers', 'tier',
               existing_type=mysql.ENUM('free', 'pro', 'enterprise'),
               type_=mysql.ENUM('trial', 'free', 'pro', 'enterprise'),
               existing_nullable=False,
               existing_server_default='free')
    op.add_column('customers', sa.Column('flags', mysql.SET('newsletter', 'invoice_by_post', 'api'),
                                         server_default='', nullable=False))
    op.add_column('customers', sa.Column('region', mysql.CHAR(length=2, charset='ascii'),
                                         nullable=True, comment='ISO 3166-1 alpha-2'))
    op.execute("UPDATE customers SET tier = 'trial', flags = 'newsletter,api' WHERE code = 'zz-top'")


def downgrade() -> None:
    op.execute("UPDATE customers SET tier = 'free' WHERE tier = 'trial'")
    op.drop_column('customers', 'region')
    op.drop_column('customers', 'flags')
    op.alter_column('customers', 'tier',
               existing_type=mysql.ENUM('trial', 'free', 'pro', 'enterprise'),
               type_=mysql.ENUM('free', 'pro', 'enterprise'),
               existing_nullable=False,
               existing_server_default='free')
