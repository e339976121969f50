-- Judge reasoning / raw judge output kept with each judge verdict (issue 17). It is judge
-- data: shown to admins and viewers, hidden from annotators like the score and label.
ALTER TABLE scores ADD COLUMN judge_reasoning VARCHAR;
