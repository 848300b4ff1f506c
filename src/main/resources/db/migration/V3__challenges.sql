-- The library's own facts about each challenge; the files live in the challenge store (folder or S3).
-- Runs on H2 (embedded default) and PostgreSQL alike: keep to the SQL both understand.
CREATE TABLE challenges (
    id           VARCHAR(100) PRIMARY KEY,
    added_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at   TIMESTAMP WITH TIME ZONE,
    use_count    INTEGER NOT NULL DEFAULT 0,
    last_used_at TIMESTAMP WITH TIME ZONE
);

-- Interviews created before this migration count as uses.
INSERT INTO challenges (id, added_at, use_count, last_used_at)
SELECT challenge_id, MIN(created_at), COUNT(*), MAX(created_at) FROM interviews GROUP BY challenge_id;
