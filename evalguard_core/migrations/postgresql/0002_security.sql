-- Issue #14 (docs/adr/0009-sessions-blind-raters-auth-limits.md), as duckdb/0002.
-- Key names are identities: unique among an organization's live keys. `live_name` is the name
-- while the key is live and NULL once revoked (NULLs never collide), so a revoked rater's name
-- can be given to their new key. It replaces 0001's index on every name, live or revoked.
ALTER TABLE api_keys ADD COLUMN live_name TEXT;
UPDATE api_keys SET live_name = name WHERE revoked_at IS NULL;
DROP INDEX IF EXISTS api_keys_org_name;
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (org_id, live_name);
-- A queue may accept labels on items the rater did not claim (off by default).
ALTER TABLE queues ADD COLUMN allow_unclaimed BOOLEAN DEFAULT false;
UPDATE queues SET allow_unclaimed = false;
-- Secrets the server generates once (the UI session cookie's signing key).
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
