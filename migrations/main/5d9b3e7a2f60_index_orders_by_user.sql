-- Revision ID: 5d9b3e7a2f60
-- Revises: e2a4f6c8b013
-- Create Date: 2026-11-21 09:41:18.730145
-- Message: index orders by user

-- +upgrade
CREATE INDEX ix_orders_user_id ON orders (user_id, placed_at);

-- +downgrade
DROP INDEX ix_orders_user_id;

-- +downgrade mysql
DROP INDEX ix_orders_user_id ON orders;
