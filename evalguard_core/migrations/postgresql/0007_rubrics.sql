-- Rubrics (issue #19) on PostgreSQL: the tables of duckdb/0007_rubrics.sql plus their keys.
-- A question never changes once labels answer it: a change writes the whole rubric again under
-- the next version, and every answer keeps the version it answered (docs/adr/0016-rubrics.md).
CREATE TABLE rubric_questions (
    org_id UUID NOT NULL,
    owner_kind TEXT NOT NULL,                 -- queue | task
    owner_id UUID NOT NULL,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,                       -- single_choice | multiple_choice | rating | number | text
    options JSON,
    scale_min DOUBLE PRECISION,
    scale_max DOUBLE PRECISION,
    step DOUBLE PRECISION,
    min_label TEXT,
    max_label TEXT,
    required BOOLEAN NOT NULL DEFAULT true,
    description TEXT,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE rubric_answers (
    answer_id UUID NOT NULL,
    org_id UUID NOT NULL,
    annotation_id UUID,
    run_id UUID NOT NULL,
    trace_id BIGINT NOT NULL,
    queue_id UUID,
    task_id UUID,
    annotator TEXT NOT NULL,
    rubric_version INTEGER,
    question TEXT NOT NULL,
    value_label TEXT,                         -- a choice, choices as a JSON array, free text
    value_score DOUBLE PRECISION,                          -- a rating or a number
    source TEXT NOT NULL,                     -- api | ui | import
    created_at TIMESTAMPTZ NOT NULL
);

-- Every existing queue gets version 1 of a rubric equal to what it asked so far: its label set
-- as a single-choice question and, where it had a score range, an optional rating question.
INSERT INTO rubric_questions (org_id, owner_kind, owner_id, version, position, name, kind,
    options, required, description, created_by)
SELECT org_id, 'queue', queue_id, 1, 0, 'label', 'single_choice', label_options,
    score_min IS NULL OR score_max IS NULL, NULL, 'migration'
FROM queues;

INSERT INTO rubric_questions (org_id, owner_kind, owner_id, version, position, name, kind,
    scale_min, scale_max, required, created_by)
SELECT org_id, 'queue', queue_id, 1, 1, 'score', 'rating', score_min, score_max, false,
    'migration'
FROM queues WHERE score_min IS NOT NULL AND score_max IS NOT NULL;

INSERT INTO rubric_questions (org_id, owner_kind, owner_id, version, position, name, kind,
    options, required, created_by)
SELECT org_id, 'task', task_id, 1, 0, 'label', 'single_choice', label_options, true, 'migration'
FROM tasks;

CREATE UNIQUE INDEX rubric_questions_owner_version_name
    ON rubric_questions (owner_id, version, name);
CREATE INDEX rubric_answers_run_question ON rubric_answers (org_id, run_id, question);
CREATE INDEX rubric_answers_annotation ON rubric_answers (annotation_id);
