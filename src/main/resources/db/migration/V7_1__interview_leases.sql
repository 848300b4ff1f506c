-- Which replica runs each interview's lifecycle (issue 14, 2): a lease per interview, renewed by its
-- owner every second, taken over by another replica once it has expired (interview.Leases; see
-- CONTRIBUTING, "Several replicas: who runs an interview"). No foreign key: a lease outliving its
-- interview is ignored (the take-over query starts from interviews) and removed on its next release.
CREATE TABLE interview_leases (
    interview_id VARCHAR(32) PRIMARY KEY,
    owner        VARCHAR(64) NOT NULL,
    expires_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    nudges       INTEGER NOT NULL DEFAULT 0
);

-- The renewal updates by owner; expires_at is left out of the index so that a renewal can be a HOT
-- update on PostgreSQL (no index entry written per row per second).
CREATE INDEX interview_leases_owner ON interview_leases (owner);
