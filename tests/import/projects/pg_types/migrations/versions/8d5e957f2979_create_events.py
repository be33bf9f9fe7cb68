"""create events

Revision ID: 8d5e957f2979
Revises: 
Create Date: 2024-05-02 10:11:12.131415

"""
import datetime
import uuid

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '8d5e957f2979'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    events = op.create_table(
        'events',
        sa.Column('id', postgresql.UUID(as_uuid=True), server_default=sa.text('gen_random_uuid()'), nullable=False),
        sa.Column('status', sa.Enum('new', 'processing', 'done', name='event_status'), server_default='new', nullable=False),
        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column('tags', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column('scores', postgresql.ARRAY(sa.Integer(), dimensions=2), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id', name='events_pkey'),
    )
    utc = datetime.timezone.utc
    op.bulk_insert(events, [
        {'id': uuid.UUID('0b5c2a4e-8f1d-4c3e-9a7b-1d2e3f405162'), 'status': 'done',
         'payload': {'order': 17, 'lines': [{'sku': 'A-1', 'qty': 2}], 'note': 'größer "quoted" 100%'},
         'tags': ['paid', 'eu'], 'scores': [[1, 2], [3, 4]],
         'created_at': datetime.datetime(2024, 5, 1, 8, 0, 0, tzinfo=utc)},
        {'id': uuid.UUID('7f1e9d2c-3b4a-4f5e-8d6c-7b8a9f0e1d2c'), 'status': 'processing',
         'payload': {'order': 18, 'error': 'card declined'},
         'tags': ['card', None, "it's"], 'scores': None,
         'created_at': datetime.datetime(2024, 5, 1, 9, 30, 0, tzinfo=utc)},
        {'id': uuid.UUID('c3d4e5f6-a7b8-4c9d-8e0f-112233445566'), 'status': 'new',
         'payload': {}, 'tags': [], 'scores': None,
         'created_at': datetime.datetime(2024, 5, 2, 23, 59, 59, 999999, tzinfo=utc)},
    ])


def downgrade() -> None:
    op.drop_table('events')
    op.execute('DROP TYPE event_status')
