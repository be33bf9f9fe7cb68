"""path rollup

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
Create Date: 2024-03-15 07:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a4b5c6d7e8'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None


def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def downgrade(engine_name: str) -> None:
    globals()["downgrade_%s" % engine_name]()





def upgrade_main() -> None:
    pass


def downgrade_main() -> None:
    pass


def upgrade_analytics() -> None:
    op.create_table(
        'path_rollup',
        sa.Column('path', sa.String(length=255), nullable=False),
        sa.Column('views', sa.Integer(), nullable=False),
        sa.Column('total_ms', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('path'),
    )
    op.execute(
        "INSERT INTO path_rollup (path, views, total_ms) "
        "SELECT path, COUNT(*), SUM(ms) FROM page_views GROUP BY path"
    )


def downgrade_analytics() -> None:
    op.drop_table('path_rollup')

