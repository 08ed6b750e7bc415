-- A create's request id is bound to a digest of what the request asked for, so that the same id
-- with different content is refused instead of returning someone else's record. Rows made before
-- this migration have no digest; a retry of one of them is still accepted.
ALTER TABLE missing_persons ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');
ALTER TABLE remains ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');
ALTER TABLE photos ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');
ALTER TABLE distinguishing_marks ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');
ALTER TABLE dna_samples ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');
ALTER TABLE personal_effects ADD COLUMN create_request_digest text
  CHECK (create_request_digest ~ '^[0-9a-f]{64}$');

-- A photo's request id names an upload to one record, like a mark's: two records' photos may
-- share one.
ALTER TABLE photos DROP CONSTRAINT photos_organization_create_request_id_key;
ALTER TABLE photos
  ADD CONSTRAINT photos_missing_person_request UNIQUE (missing_person_id, create_request_id),
  ADD CONSTRAINT photos_remains_request UNIQUE (remains_id, create_request_id);

-- Two records with one folio are legal (a folio may be mistyped, or reused by an authority),
-- but are shown as possible duplicates; these find them.
CREATE INDEX missing_persons_folio ON missing_persons (organization, lower(btrim(case_folio)))
  WHERE delete_time IS NULL;
CREATE INDEX remains_folio ON remains (organization, lower(btrim(case_folio)))
  WHERE delete_time IS NULL;

-- Which database this is: clients that keep state about a server (the importer's resume file)
-- check it, so state made against one database is never applied to another.
CREATE TABLE database_identity (
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  create_time  timestamptz NOT NULL DEFAULT now(),
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton)
);
INSERT INTO database_identity DEFAULT VALUES;
GRANT SELECT ON database_identity TO encuentro_app;
