-- Forensic anthropology: versioned measurement sets of unidentified remains, their values, and the
-- 3-D landmarks a set was derived from.
-- History is append-only: a re-measurement is a new version, so the application role gets
-- SELECT and INSERT only.

CREATE TABLE measurement_sets (
  id              bigserial PRIMARY KEY,
  remains_id      bigint NOT NULL REFERENCES remains (id),
  version         integer NOT NULL CHECK (version >= 1),
  origin          text NOT NULL CHECK (origin IN ('measured', 'derived_from_landmarks')),
  observer        text NOT NULL DEFAULT '',
  instrument      text NOT NULL DEFAULT '',
  measured_date   date,
  notes           text NOT NULL DEFAULT '',
  -- Whether out-of-range values were accepted (as warnings) when the set was recorded.
  allow_outliers  boolean NOT NULL DEFAULT false,
  organization    text NOT NULL,
  created_by      text NOT NULL,
  create_time     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (remains_id, version)
);

CREATE TABLE measurement_values (
  measurement_set_id  bigint NOT NULL REFERENCES measurement_sets (id),
  -- Input order, so that a set reads back as it was written.
  position            integer NOT NULL,
  code                text NOT NULL,
  value_mm            double precision NOT NULL CHECK (value_mm > 0),
  origin              text NOT NULL CHECK (origin IN ('measured', 'derived_from_landmarks')),
  PRIMARY KEY (measurement_set_id, code)
);

CREATE TABLE measurement_landmarks (
  measurement_set_id  bigint NOT NULL REFERENCES measurement_sets (id),
  position            integer NOT NULL,
  landmark            text NOT NULL,
  x_mm                double precision NOT NULL,
  y_mm                double precision NOT NULL,
  z_mm                double precision NOT NULL,
  PRIMARY KEY (measurement_set_id, landmark)
);

GRANT SELECT, INSERT ON measurement_sets TO encuentro_app;
GRANT SELECT, INSERT ON measurement_values TO encuentro_app;
GRANT SELECT, INSERT ON measurement_landmarks TO encuentro_app;
GRANT USAGE ON SEQUENCE measurement_sets_id_seq TO encuentro_app;
