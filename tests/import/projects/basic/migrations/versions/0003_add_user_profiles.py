"""add user profiles

Revision ID: 3d9e8f7a6b5c
Revises: 2b7c9d0e1f2a
Create Date: 2024-02-02 16:21:07.402116

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9e8f7a6b5c'
down_revision = '2b7c9d0e1f2a'
branch_labels = ('profiles',)
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_profiles',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('bio', sa.Text(), nullable=True),
        sa.Column('locale', sa.String(length=10), server_default='en_US', nullable=False),
        sa.Column('newsletter', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('user_id'),
    )


def downgrade() -> None:
    op.drop_table('user_profiles')
