-- Case records: missing persons (ante-mortem), unidentified remains (post-mortem), their photos
-- and face templates, and the audit log every change writes to.
-- Records are never deleted, only marked deleted with a reason, so the application role gets
-- no DELETE on them.

CREATE TABLE missing_persons (
  id                          bigserial PRIMARY KEY,
  organization                text NOT NULL,
  create_request_id           text,
  case_folio                  text NOT NULL,
  issuing_authority           text NOT NULL,
  given_names                 text NOT NULL DEFAULT '',
  family_names                text NOT NULL DEFAULT '',
  aliases                     jsonb NOT NULL DEFAULT '[]',
  sex                         text NOT NULL CHECK (sex IN ('unknown', 'female', 'male')),
  date_of_birth               date,
  age_at_disappearance_years  double precision,
  age_uncertainty_years       double precision,
  last_seen_date              date,
  last_seen_place             text NOT NULL DEFAULT '',
  last_seen_latitude          double precision,
  last_seen_longitude         double precision,
  reported_height_cm          double precision,
  reported_height_precision_cm double precision,
  distinguishing_marks        jsonb NOT NULL DEFAULT '[]',
  status                      text NOT NULL
    CHECK (status IN ('missing', 'located_alive', 'located_deceased', 'withdrawn')),
  create_time                 timestamptz NOT NULL DEFAULT now(),
  update_time                 timestamptz NOT NULL DEFAULT now(),
  revision                    bigint NOT NULL DEFAULT 1,
  delete_time                 timestamptz,
  delete_reason               text,
  UNIQUE (organization, create_request_id)
);
-- Candidate selection for matching filters on these.
CREATE INDEX missing_persons_matching ON missing_persons (sex, last_seen_date)
  WHERE delete_time IS NULL;
CREATE INDEX missing_persons_organization ON missing_persons (organization, id);

CREATE TABLE remains (
  id                    bigserial PRIMARY KEY,
  organization          text NOT NULL,
  create_request_id     text,
  case_folio            text NOT NULL,
  lab                   text NOT NULL,
  responsible_expert    text NOT NULL DEFAULT '',
  found_date            date,
  found_place           text NOT NULL DEFAULT '',
  found_latitude        double precision,
  found_longitude       double precision,
  pmi_min_days          double precision,
  pmi_max_days          double precision,
  sex_estimate          text CHECK (sex_estimate IN ('unknown', 'female', 'male')),
  sex_probability       double precision CHECK (sex_probability BETWEEN 0 AND 1),
  sex_method            text,
  sex_author            text,
  age_min_years         double precision,
  age_max_years         double precision,
  age_method            text,
  age_author            text,
  stature_min_cm        double precision,
  stature_max_cm        double precision,
  stature_method        text,
  stature_author        text,
  condition             text NOT NULL,
  notes                 text NOT NULL DEFAULT '',
  create_time           timestamptz NOT NULL DEFAULT now(),
  update_time           timestamptz NOT NULL DEFAULT now(),
  revision              bigint NOT NULL DEFAULT 1,
  delete_time           timestamptz,
  delete_reason         text,
  UNIQUE (organization, create_request_id),
  CHECK (age_min_years <= age_max_years),
  CHECK (stature_min_cm <= stature_max_cm)
);
CREATE INDEX remains_found ON remains (found_date) WHERE delete_time IS NULL;
CREATE INDEX remains_organization ON remains (organization, id);

-- Photo bytes, stored once per content. Already-compressed images gain nothing from TOAST
-- compression, so it is skipped.
CREATE TABLE photo_blobs (
  sha256        text PRIMARY KEY,
  content       bytea NOT NULL,
  size_bytes    bigint NOT NULL,
  content_type  text NOT NULL
);
ALTER TABLE photo_blobs ALTER COLUMN content SET STORAGE EXTERNAL;

CREATE TABLE photos (
  id                      bigserial PRIMARY KEY,
  missing_person_id       bigint REFERENCES missing_persons (id),
  remains_id              bigint REFERENCES remains (id),
  organization            text NOT NULL,
  create_request_id       text,
  sha256                  text NOT NULL REFERENCES photo_blobs (sha256),
  capture_date            date,
  age_at_capture_years    double precision,
  source                  text NOT NULL,
  width                   integer NOT NULL,
  height                  integer NOT NULL,
  -- The face pipeline's findings: boxes and quality reports of every face.
  faces                   jsonb NOT NULL DEFAULT '[]',
  chosen_face             integer NOT NULL DEFAULT -1,
  synthetic               boolean NOT NULL DEFAULT false,
  progression_source_id   bigint REFERENCES photos (id),
  progression_target_age  double precision,
  progression_method      text,
  progression_author      text,
  progression_made_date   date,
  create_time             timestamptz NOT NULL DEFAULT now(),
  delete_time             timestamptz,
  delete_reason           text,
  UNIQUE (organization, create_request_id),
  CHECK ((missing_person_id IS NULL) <> (remains_id IS NULL))
);
CREATE INDEX photos_missing_person ON photos (missing_person_id, id);
CREATE INDEX photos_remains ON photos (remains_id, id);

-- The chosen face's descriptor: 128 little-endian float32.
CREATE TABLE face_templates (
  photo_id     bigint PRIMARY KEY REFERENCES photos (id),
  descriptor   bytea NOT NULL CHECK (length(descriptor) = 512),
  model_id     text NOT NULL,
  -- Age of the person in the photo (or the progression's target age), when known.
  age_years    double precision
);

CREATE TABLE audit_log (
  seq           bigserial PRIMARY KEY,
  time          timestamptz NOT NULL DEFAULT clock_timestamp(),
  principal     text NOT NULL,
  organization  text NOT NULL,
  role          text NOT NULL,
  method        text NOT NULL,
  targets       text[] NOT NULL DEFAULT '{}',
  purpose       text NOT NULL DEFAULT '',
  legal_basis   text NOT NULL DEFAULT '',
  outcome       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_targets ON audit_log USING gin (targets);

-- Append-only even for roles that could otherwise change it.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

GRANT SELECT, INSERT, UPDATE ON missing_persons, remains, photos TO encuentro_app;
GRANT SELECT, INSERT ON photo_blobs, face_templates, audit_log TO encuentro_app;
GRANT USAGE ON SEQUENCE missing_persons_id_seq, remains_id_seq, photos_id_seq, audit_log_seq_seq
  TO encuentro_app;
