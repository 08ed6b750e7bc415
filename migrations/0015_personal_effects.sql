-- Clothing and personal effects, on both records: what the person wore or carried when last seen
-- (ante-mortem), and what was found with the body (post-mortem). Documents found with a body are
-- sensitive: the application shows them to staff and labs only.
CREATE TABLE personal_effects (
  id                 bigserial PRIMARY KEY,
  missing_person_id  bigint REFERENCES missing_persons (id),
  remains_id         bigint REFERENCES remains (id),
  create_request_id  text CHECK (octet_length(create_request_id) <= 200),
  category           text NOT NULL CHECK (category IN ('clothing', 'footwear', 'jewelry',
                       'accessory', 'document', 'phone', 'other')),
  description        text NOT NULL CHECK (octet_length(description) BETWEEN 1 AND 4000),
  colour             text NOT NULL DEFAULT '' CHECK (octet_length(colour) <= 200),
  brand              text NOT NULL DEFAULT '' CHECK (octet_length(brand) <= 200),
  size               text NOT NULL DEFAULT '' CHECK (octet_length(size) <= 200),
  keywords           text[] NOT NULL DEFAULT '{}'
                       CHECK (cardinality(keywords) <= 20
                              AND octet_length(array_to_string(keywords, '')) <= 20 * 200),
  -- As distinguishing_marks.search_document: Spanish, accents ignored, written with each change.
  search_document    tsvector NOT NULL,
  create_time        timestamptz NOT NULL DEFAULT now(),
  update_time        timestamptz NOT NULL DEFAULT now(),
  revision           bigint NOT NULL DEFAULT 1,
  delete_time        timestamptz,
  delete_reason      text CHECK (octet_length(delete_reason) <= 4000),
  CHECK ((missing_person_id IS NULL) <> (remains_id IS NULL)),
  UNIQUE (missing_person_id, create_request_id),
  UNIQUE (remains_id, create_request_id)
);
CREATE INDEX personal_effects_missing_person ON personal_effects (missing_person_id, id);
CREATE INDEX personal_effects_remains ON personal_effects (remains_id, id);
CREATE INDEX personal_effects_search ON personal_effects USING gin (search_document);

GRANT SELECT, INSERT, UPDATE ON personal_effects TO encuentro_app;
GRANT USAGE ON SEQUENCE personal_effects_id_seq TO encuentro_app;
