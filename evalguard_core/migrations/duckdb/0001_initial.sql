-- EvalGuard schema v1. Every domain row carries org_id: scoping is applied by the store layer.
CREATE TABLE schema_version (
    version INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    org_id UUID PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    is_default BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO organizations (org_id, name, is_default)
VALUES ('00000000-0000-4000-8000-000000000001', 'default', true);

CREATE TABLE api_keys (
    key_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    key_hash VARCHAR NOT NULL UNIQUE,
    key_prefix VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

CREATE SEQUENCE trace_id_seq START 1;

CREATE TABLE runs (
    run_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,            -- single | pairwise
    source VARCHAR,
    case_count BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE cases (
    trace_id BIGINT NOT NULL,
    run_id UUID NOT NULL,
    org_id UUID NOT NULL,
    case_id VARCHAR NOT NULL,
    input VARCHAR,
    output VARCHAR,
    output_a VARCHAR,
    output_b VARCHAR,
    expected VARCHAR,
    latency_ms DOUBLE,
    metadata JSON
);

CREATE TABLE scores (
    trace_id BIGINT NOT NULL,
    run_id UUID NOT NULL,
    org_id UUID NOT NULL,
    scorer VARCHAR NOT NULL,
    score DOUBLE,
    label VARCHAR
);

CREATE TABLE queues (
    queue_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name VARCHAR NOT NULL,
    target_type VARCHAR NOT NULL,     -- eval_case | trace | pairwise
    label_options JSON NOT NULL,
    score_min DOUBLE,
    score_max DOUBLE,
    instructions VARCHAR,
    annotations_per_item INTEGER NOT NULL DEFAULT 1,
    lease_seconds INTEGER NOT NULL DEFAULT 900,
    created_by VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE SEQUENCE queue_item_id_seq START 1;

CREATE TABLE queue_items (
    item_id BIGINT NOT NULL,
    queue_id UUID NOT NULL,
    org_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    run_id UUID NOT NULL,
    target_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'pending',   -- pending | claimed | done
    version BIGINT NOT NULL DEFAULT 0,
    done_count INTEGER NOT NULL DEFAULT 0,
    position DOUBLE NOT NULL,                    -- random order, so raters spread out
    stratum VARCHAR,
    inclusion_prob DOUBLE,
    job_id UUID,
    added_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE claims (
    claim_id UUID NOT NULL,
    org_id UUID NOT NULL,
    queue_id UUID NOT NULL,
    item_id BIGINT NOT NULL,
    annotator VARCHAR NOT NULL,
    status VARCHAR NOT NULL,                     -- active | completed | released | expired
    claimed_at TIMESTAMPTZ NOT NULL,
    lease_expires_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    shown_order VARCHAR                          -- pairwise: 'AB' or 'BA' as shown to the rater
);

CREATE TABLE annotations (
    annotation_id UUID NOT NULL,
    org_id UUID NOT NULL,
    run_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    target_type VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    queue_id UUID,
    item_id BIGINT,
    task_id UUID,
    annotator VARCHAR NOT NULL,
    label VARCHAR,
    score DOUBLE,
    comment VARCHAR,
    source VARCHAR NOT NULL,                     -- api | ui | import | task
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tasks (
    task_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    name VARCHAR NOT NULL,
    instructions VARCHAR,
    label_options JSON NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'draft',     -- draft | in_progress | completed
    created_by VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE task_items (
    item_id UUID NOT NULL,
    task_id UUID NOT NULL,
    org_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    label VARCHAR,
    notes VARCHAR,
    labeled_at TIMESTAMPTZ,
    labeled_by VARCHAR
);

CREATE TABLE jobs (
    job_id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    kind VARCHAR NOT NULL,
    status VARCHAR NOT NULL,                     -- queued | running | succeeded | failed
    progress DOUBLE NOT NULL DEFAULT 0,
    params JSON,
    result JSON,
    error VARCHAR,
    created_by VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);

CREATE SEQUENCE event_id_seq START 1;

CREATE TABLE events (
    event_id BIGINT NOT NULL,
    org_id UUID NOT NULL,
    event_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR,
    kind VARCHAR NOT NULL,                       -- claim | release | expire | heartbeat | annotate ...
    queue_id UUID,
    item_id BIGINT,
    trace_id BIGINT,
    annotation_id UUID,
    payload JSON
);
