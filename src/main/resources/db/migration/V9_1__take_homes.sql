-- Take-homes (issue 17, 1): an interview the candidate starts within a window. The interview row
-- holds the status; while it is 'INVITED' its expires_at is the end of the start window, and at
-- Start it becomes [started_at, started_at + duration_minutes].
CREATE TABLE take_homes (
    interview_id     VARCHAR(32) PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    duration_minutes INTEGER     NOT NULL,
    window_ends_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    started_at       TIMESTAMP WITH TIME ZONE,
    submitted_at     TIMESTAMP WITH TIME ZONE
);
