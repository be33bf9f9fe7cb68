"""invoices with a number sequence

Revision ID: 3b5d5c371295
Revises: 8d5e957f2979
Create Date: 2024-05-06 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '3b5d5c371295'
down_revision = '8d5e957f2979'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence('invoice_number_seq', start=1000, increment=1)))
    op.create_table(
        'invoices',
        sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column('number', sa.BigInteger(), server_default=sa.text("nextval('invoice_number_seq')"), nullable=False),
        sa.Column('event_id', postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('currencies', postgresql.ARRAY(sa.String(length=3)), nullable=True),
        sa.Column('meta', postgresql.JSON(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name='invoices_event_id_fkey', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='invoices_pkey'),
        sa.UniqueConstraint('number', name='invoices_number_key'),
    )
    op.execute(
        "INSERT INTO invoices (event_id, amount, currencies, meta) "
        "SELECT id, 10.50, ARRAY['EUR', 'CHF'], '{\"source\": \"backfill\"}'::json "
        "FROM events WHERE status = 'done'"
    )


def downgrade() -> None:
    op.drop_table('invoices')
    op.execute(sa.schema.DropSequence(sa.Sequence('invoice_number_seq')))
