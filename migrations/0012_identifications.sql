-- Closing the loop: a confirmed identification of a set of remains as a missing person, with the
-- confirming evidence (DNA report, dental or fingerprint comparison) and the identification
-- board's decision. Append-only; a record is identified at most once. The pair's decisions gain
-- "identified", and "live" missing persons (the ones matching compares) are defined once, here.
CREATE TABLE identifications (
  id                 bigserial PRIMARY KEY,
  remains_id         bigint NOT NULL UNIQUE REFERENCES remains (id),
  missing_person_id  bigint NOT NULL UNIQUE REFERENCES missing_persons (id),
  -- [{"kind": "dna_report", "reference": "...", "date": "YYYY-MM-DD"}, ...]
  evidence           jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'array'
                                           AND jsonb_array_length(evidence) BETWEEN 1 AND 20
                                           AND octet_length(evidence::text) <= 16384),
  board_reference    text NOT NULL CHECK (octet_length(board_reference) BETWEEN 1 AND 200),
  board_date         date,
  reason             text NOT NULL CHECK (octet_length(reason) BETWEEN 1 AND 4000),
  principal          text NOT NULL,
  organization       text NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON identifications TO encuentro_app;
GRANT USAGE ON SEQUENCE identifications_id_seq TO encuentro_app;

ALTER TABLE match_decisions DROP CONSTRAINT match_decisions_decision_check;
ALTER TABLE match_decisions ADD CONSTRAINT match_decisions_decision_check
  CHECK (decision IN ('pending', 'excluded', 'possible', 'sent_for_dna', 'identified'));

-- The missing persons matching compares: sought (missing, or known dead but not found), not
-- deleted, not identified.
CREATE VIEW live_missing_persons AS
  SELECT * FROM missing_persons p
  WHERE p.delete_time IS NULL AND p.status IN ('missing', 'located_deceased')
    AND NOT EXISTS (SELECT 1 FROM identifications i WHERE i.missing_person_id = p.id);
GRANT SELECT ON live_missing_persons TO encuentro_app;
