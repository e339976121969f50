-- Issue #14 (docs/adr/0009-sessions-blind-raters-auth-limits.md).
-- Key names are identities (the annotator on labels): unique among an organization's live keys.
-- `live_name` is the name while the key is live and NULL once revoked (NULLs never collide),
-- so a revoked rater's name can be given to their new key.
ALTER TABLE api_keys ADD COLUMN live_name VARCHAR;
-- Older stores may hold live duplicates: the later ones get the key prefix appended.
UPDATE api_keys SET name = name || '-' || key_prefix
WHERE revoked_at IS NULL AND key_id IN (
    SELECT key_id FROM (
        SELECT key_id, row_number() OVER (PARTITION BY org_id, name ORDER BY created_at) AS n
        FROM api_keys WHERE revoked_at IS NULL
    ) WHERE n > 1
);
UPDATE api_keys SET live_name = name WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX api_keys_live_name ON api_keys (org_id, live_name);
-- A queue may accept labels on items the rater did not claim (off by default).
ALTER TABLE queues ADD COLUMN allow_unclaimed BOOLEAN DEFAULT false;
UPDATE queues SET allow_unclaimed = false;
-- Secrets the server generates once (the UI session cookie's signing key).
CREATE TABLE server_secrets (
    name VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
