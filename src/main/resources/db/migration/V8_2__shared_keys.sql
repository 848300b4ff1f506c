-- Keys every replica on one PostgreSQL must share (issue 14 §3) when PREQUEL_SECRET_KEY is not set:
-- the secret box's (candidates' passwords at rest) and the workspace cookies'. The first replica to
-- start inserts them; the others read them. Stored as they are (base64): there is no key to
-- encrypt them with, so whoever reads this table can read candidates' passwords and forge their
-- cookies. With PREQUEL_SECRET_KEY set this table stays empty. H2 (one Prequel) never uses it.
CREATE TABLE shared_keys (
    name       VARCHAR(64)  PRIMARY KEY,
    key_value  VARCHAR(200) NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);
