-- Jobs carry the replica that runs them and its last heartbeat (docs/adr/0013-replicas.md):
-- a restart fails only its own jobs, and another replica fails a job whose owner went silent.
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE jobs ADD COLUMN heartbeat_at TIMESTAMPTZ;
CREATE INDEX jobs_unfinished ON jobs (status, heartbeat_at) WHERE status IN ('queued', 'running');
