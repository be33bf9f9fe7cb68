-- Revision ID: c4e6a8b0d21f
-- Revises: a1c3e5f7092b
-- Create Date: 2026-11-20 11:20:45.902113
-- Message: daily event counts

-- +upgrade
CREATE TABLE daily_event_counts (
    day DATE NOT NULL,
    name VARCHAR(100) NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, name)
);

-- +downgrade
DROP TABLE daily_event_counts;
