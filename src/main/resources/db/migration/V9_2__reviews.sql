-- The interviewer's notes and scorecard (issue 17, 4): private to the hiring team, never shown
-- to the candidate, kept with the interview (and deleted with it).
CREATE TABLE interview_notes (
    interview_id VARCHAR(32)     PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    markdown     VARCHAR(100000) NOT NULL,
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_by   VARCHAR(320)    NOT NULL
);

-- scores: JSON object, criterion (from the challenge's manifest) to 1..5
CREATE TABLE scorecards (
    interview_id   VARCHAR(32)    PRIMARY KEY REFERENCES interviews (id) ON DELETE CASCADE,
    scores         VARCHAR(20000) NOT NULL,
    recommendation VARCHAR(20),
    comment        VARCHAR(20000) NOT NULL,
    updated_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_by     VARCHAR(320)   NOT NULL
);
