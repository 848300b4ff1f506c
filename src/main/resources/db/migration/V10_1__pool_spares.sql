-- Which replica's warm pool a spare workspace belongs to, when replicas share one runtime
-- (issue 14): a pool takes back only its own spares and those whose replica is no longer seen,
-- and hands a spare to an interview only through a compare-and-set on its row, so two replicas
-- never give one spare to two interviews. Runs on H2 and PostgreSQL alike.
-- seen_at: the owner's last sign of life (it refreshes its rows at every pool check).
-- claimed_at: set while the owner hands the spare to an interview; the row goes once it is done.
CREATE TABLE pool_spares (
    spare_id   VARCHAR(64) PRIMARY KEY,
    owner      VARCHAR(64) NOT NULL,
    seen_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    claimed_at TIMESTAMP WITH TIME ZONE
);

CREATE INDEX pool_spares_owner ON pool_spares (owner);
