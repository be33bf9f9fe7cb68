-- Revision ID: e2a4f6c8b013
-- Revises: 8c4e2d1f6a37, b7d05e9a1c42
-- Create Date: 2026-11-21 08:30:00.000000
-- Message: merge orders and user status

-- +upgrade

-- +downgrade
