-- Revision ID: f7b9d1e3a5c6
-- Revises: c4e6a8b0d21f
-- Create Date: 2026-11-22 14:02:51.667023
-- Message: index events by name

-- +upgrade
CREATE INDEX ix_events_name_occurred ON events (name, occurred_at);

-- +downgrade
DROP INDEX ix_events_name_occurred;

-- +downgrade mysql
DROP INDEX ix_events_name_occurred ON events;
