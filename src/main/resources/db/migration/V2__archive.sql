-- Runs on H2 and PostgreSQL alike.
-- archive_state: NULL when nothing of the interview awaits the archive;
--   'waiting'  its final snapshot could not be stored: the workspace is stopped, its files kept;
--   'discard'  an operator chose to discard those unarchived files.
ALTER TABLE interviews ADD COLUMN archive_state VARCHAR(20);

CREATE INDEX interviews_archive_state ON interviews (archive_state);
