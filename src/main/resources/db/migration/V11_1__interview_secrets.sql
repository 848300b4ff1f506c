-- Per-interview secrets (issue 17, 6): environment variables an interviewer gives one interview's
-- workspace. Each value is sealed (AES-256-GCM, a key derived from the secret key for this purpose
-- alone) before it is written; names are not secret. Rows go when the interview ends (its status
-- becomes final) and with the interview.
CREATE TABLE interview_secrets (
    interview_id VARCHAR(32)    NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
    name         VARCHAR(64)    NOT NULL,
    sealed_value VARCHAR(50000) NOT NULL,
    PRIMARY KEY (interview_id, name)
);
