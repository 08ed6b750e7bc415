-- DNA sample tracking (tracking only, no kinship computation): family reference samples on
-- missing persons, post-mortem samples on remains, each with its lab, kit and status.
CREATE TABLE dna_samples (
  id                 bigserial PRIMARY KEY,
  missing_person_id  bigint REFERENCES missing_persons (id),
  remains_id         bigint REFERENCES remains (id),
  create_request_id  text CHECK (octet_length(create_request_id) <= 200),
  -- Family reference samples.
  donor_name         text NOT NULL DEFAULT '' CHECK (octet_length(donor_name) <= 200),
  relationship       text NOT NULL DEFAULT 'unspecified' CHECK (relationship IN ('unspecified',
                       'mother', 'father', 'child', 'sibling', 'half_sibling', 'grandparent',
                       'aunt_uncle', 'cousin', 'spouse', 'other')),
  -- Post-mortem samples.
  skeletal_element   text NOT NULL DEFAULT '' CHECK (octet_length(skeletal_element) <= 200),
  lab                text NOT NULL DEFAULT '' CHECK (octet_length(lab) <= 200),
  kit_id             text NOT NULL DEFAULT '' CHECK (octet_length(kit_id) <= 200),
  collected_date     date,
  status             text NOT NULL CHECK (status IN ('collected', 'sent', 'profiled', 'failed')),
  notes              text NOT NULL DEFAULT '' CHECK (octet_length(notes) <= 4000),
  create_time        timestamptz NOT NULL DEFAULT now(),
  update_time        timestamptz NOT NULL DEFAULT now(),
  revision           bigint NOT NULL DEFAULT 1,
  delete_time        timestamptz,
  delete_reason      text CHECK (octet_length(delete_reason) <= 4000),
  CHECK ((missing_person_id IS NULL) <> (remains_id IS NULL)),
  UNIQUE (missing_person_id, create_request_id),
  UNIQUE (remains_id, create_request_id)
);
CREATE INDEX dna_samples_missing_person ON dna_samples (missing_person_id, id);
CREATE INDEX dna_samples_remains ON dna_samples (remains_id, id);

GRANT SELECT, INSERT, UPDATE ON dna_samples TO encuentro_app;
GRANT USAGE ON SEQUENCE dna_samples_id_seq TO encuentro_app;
