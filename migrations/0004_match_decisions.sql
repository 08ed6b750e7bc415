-- Reviewers' decisions on candidate pairs (remains x missing person), kept with their history:
-- each decision is a new row, the latest is the pair's current state. Append-only.
CREATE TABLE match_decisions (
  id                 bigserial PRIMARY KEY,
  remains_id         bigint NOT NULL REFERENCES remains (id),
  missing_person_id  bigint NOT NULL REFERENCES missing_persons (id),
  decision           text NOT NULL
    CHECK (decision IN ('pending', 'excluded', 'possible', 'sent_for_dna')),
  reason             text NOT NULL,
  principal          text NOT NULL,
  organization       text NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX match_decisions_remains ON match_decisions (remains_id, missing_person_id, id);
CREATE INDEX match_decisions_person ON match_decisions (missing_person_id, remains_id, id);

GRANT SELECT, INSERT ON match_decisions TO encuentro_app;
GRANT USAGE ON SEQUENCE match_decisions_id_seq TO encuentro_app;
