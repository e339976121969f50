-- EvalGuard schema v1 on PostgreSQL: the same tables and columns as duckdb/0001_initial.sql,
-- plus the keys and uniqueness that DuckDB leaves to in-process locks, and the two DuckDB
-- functions the store's shared SQL uses (isnan, list_contains). Keep the numbering in step with
-- migrations/duckdb/: every version exists for both backends.
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);

CREATE FUNCTION isnan(double precision) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $1 = ''NaN''::double precision';

-- Plain `= ANY` so the planner inlines it and uses an index on the column.
CREATE FUNCTION list_contains(bigint[], bigint) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $2 = ANY($1)';

CREATE FUNCTION list_contains(text[], text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT $2 = ANY($1)';

CREATE TABLE organizations (
    org_id UUID PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    is_default BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO organizations (org_id, name, is_default)
VALUES ('00000000-0000-4000-8000-000000000001', 'default', true);

CREATE TABLE api_keys (
    key_id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES organizations (org_id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

-- Key names: unique among live keys per organization (0002 replaces this index).
CREATE UNIQUE INDEX api_keys_org_name ON api_keys (org_id, name);

CREATE SEQUENCE trace_id_seq START 1;

CREATE TABLE runs (
    run_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT,
    case_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX runs_org ON runs (org_id, created_at);

CREATE TABLE cases (
    trace_id BIGINT PRIMARY KEY,
    run_id UUID NOT NULL,
    org_id UUID NOT NULL,
    case_id TEXT NOT NULL,
    input TEXT,
    output TEXT,
    output_a TEXT,
    output_b TEXT,
    expected TEXT,
    latency_ms DOUBLE PRECISION,
    metadata JSON
);

CREATE UNIQUE INDEX cases_run_case ON cases (run_id, case_id);

CREATE TABLE scores (
    trace_id BIGINT NOT NULL,
    run_id UUID NOT NULL,
    org_id UUID NOT NULL,
    scorer TEXT NOT NULL,
    score DOUBLE PRECISION,
    label TEXT,
    PRIMARY KEY (trace_id, scorer)
);

CREATE INDEX scores_run_scorer ON scores (org_id, run_id, scorer);

CREATE TABLE queues (
    queue_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name TEXT NOT NULL,
    target_type TEXT NOT NULL,
    label_options JSON NOT NULL,
    score_min DOUBLE PRECISION,
    score_max DOUBLE PRECISION,
    instructions TEXT,
    annotations_per_item INTEGER NOT NULL DEFAULT 1,
    lease_seconds INTEGER NOT NULL DEFAULT 900,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE queue_item_id_seq START 1;

CREATE TABLE queue_items (
    item_id BIGINT PRIMARY KEY,
    queue_id UUID NOT NULL REFERENCES queues (queue_id),
    org_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    run_id UUID NOT NULL,
    target_id TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    version BIGINT NOT NULL DEFAULT 0,
    done_count INTEGER NOT NULL DEFAULT 0,
    position DOUBLE PRECISION NOT NULL,
    stratum TEXT,
    inclusion_prob DOUBLE PRECISION,
    job_id UUID,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One item per (queue, target).
CREATE UNIQUE INDEX queue_items_queue_trace ON queue_items (queue_id, trace_id);
CREATE INDEX queue_items_queue_position ON queue_items (queue_id, position);
CREATE INDEX queue_items_queue_target ON queue_items (queue_id, target_id);

CREATE TABLE claims (
    claim_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    queue_id UUID NOT NULL,
    item_id BIGINT NOT NULL REFERENCES queue_items (item_id),
    annotator TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_at TIMESTAMPTZ NOT NULL,
    lease_expires_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    shown_order TEXT
);

-- One active lease per (item, rater).
CREATE UNIQUE INDEX claims_one_active ON claims (item_id, annotator) WHERE status = 'active';
CREATE INDEX claims_queue_annotator ON claims (queue_id, annotator);
CREATE INDEX claims_active_queue ON claims (queue_id, item_id) WHERE status = 'active';

CREATE TABLE annotations (
    annotation_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    run_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    queue_id UUID,
    item_id BIGINT,
    task_id UUID,
    annotator TEXT NOT NULL,
    label TEXT,
    score DOUBLE PRECISION,
    comment TEXT,
    source TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One label per (queue, item, rater); one task label per (task, trace, rater).
CREATE UNIQUE INDEX annotations_one_per_rater ON annotations (queue_id, trace_id, annotator)
    WHERE queue_id IS NOT NULL;
CREATE UNIQUE INDEX annotations_one_per_task_rater ON annotations (task_id, trace_id, annotator)
    WHERE source = 'task';
CREATE INDEX annotations_run ON annotations (run_id, trace_id);
CREATE INDEX annotations_trace ON annotations (trace_id);

CREATE TABLE tasks (
    task_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name TEXT NOT NULL,
    instructions TEXT,
    label_options JSON NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE task_items (
    item_id UUID PRIMARY KEY,
    task_id UUID NOT NULL REFERENCES tasks (task_id),
    org_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    label TEXT,
    notes TEXT,
    labeled_at TIMESTAMPTZ,
    labeled_by TEXT
);

CREATE UNIQUE INDEX task_items_task_position ON task_items (task_id, position);

CREATE TABLE jobs (
    job_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    progress DOUBLE PRECISION NOT NULL DEFAULT 0,
    params JSON,
    result JSON,
    error TEXT,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);

CREATE SEQUENCE event_id_seq START 1;

CREATE TABLE events (
    event_id BIGINT PRIMARY KEY,
    org_id UUID NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,
    actor TEXT,
    kind TEXT NOT NULL,
    queue_id UUID,
    item_id BIGINT,
    trace_id BIGINT,
    annotation_id UUID,
    payload JSON
);

CREATE INDEX events_queue ON events (queue_id, event_id);
