-- Lifecycle (issue 21, ADR 0015): an archived queue takes no claims or labels and is hidden
-- from default lists until restored. Deletes and retractions need no new columns: the rows go,
-- and the append-only event log keeps who removed what, when and why.
ALTER TABLE queues ADD COLUMN archived_at TIMESTAMPTZ;
