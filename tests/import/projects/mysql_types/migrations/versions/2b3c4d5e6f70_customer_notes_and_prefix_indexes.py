"""customer notes, prefix indexes

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
Create Date: 2024-07-08 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# revision identifiers, used by Alembic.
revision = '2b3c4d5e6f70'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'customer_notes',
        sa.Column('id', mysql.BIGINT(unsigned=True), autoincrement=True, nullable=False),
        sa.Column('customer_id', mysql.INTEGER(unsigned=True), nullable=False),
        sa.Column('body', mysql.MEDIUMTEXT(collation='utf8mb4_bin'), nullable=False),
        sa.Column('pinned', mysql.TINYINT(display_width=1), server_default=sa.text('0'), nullable=False),
        sa.Column('legacy_text', mysql.TEXT(charset='latin1'), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name='fk_customer_notes_customer', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        mysql_charset='utf8mb4',
        mysql_collate='utf8mb4_unicode_ci',
        mysql_engine='InnoDB',
    )
    op.create_index('ix_customers_bio', 'customers', ['bio'], unique=False, mysql_length={'bio': 32})
    op.create_index('ix_customer_notes_body', 'customer_notes', ['customer_id', 'body'],
                    unique=False, mysql_length={'body': 64})
    op.execute(
        "INSERT INTO customer_notes (customer_id, body, pinned, legacy_text) "
        "SELECT id, CONCAT('Welcome, ', name, '!'), is_vip, 'café (latin1 column)' FROM customers ORDER BY id"
    )


def downgrade() -> None:
    op.drop_index('ix_customers_bio', table_name='customers')
    op.drop_table('customer_notes')
