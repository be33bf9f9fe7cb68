-- Revision ID: b7d05e9a1c42
-- Revises: 3f1a9c2b7d10
-- Create Date: 2026-11-20 10:05:37.004518
-- Message: add user status

-- Written on a second branch while orders was in review; merged in e2a4f6c8b013.

-- +upgrade
ALTER TABLE users ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'active';

-- +downgrade
ALTER TABLE users DROP COLUMN status;
