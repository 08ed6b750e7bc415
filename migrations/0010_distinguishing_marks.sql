-- Distinguishing marks (tattoos, scars, implants...) become resources of both records, with a body
-- region from a fixed vocabulary, keywords, and a Spanish full-text document for searching by
-- description. The missing persons' free-text marks move here: their body location is kept as
-- the detail, with the region left unspecified for staff to set.
-- unaccent is a trusted extension: the schema owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TABLE distinguishing_marks (
  id                     bigserial PRIMARY KEY,
  missing_person_id      bigint REFERENCES missing_persons (id),
  remains_id             bigint REFERENCES remains (id),
  -- Scoped to the owning record: one request id may recur on different records.
  create_request_id      text CHECK (octet_length(create_request_id) <= 200),
  kind                   text NOT NULL CHECK (kind IN ('tattoo', 'scar', 'birthmark', 'piercing',
                           'amputation', 'other', 'deformity', 'medical_implant')),
  body_region            text NOT NULL CHECK (body_region IN ('unspecified', 'head', 'neck',
                           'chest', 'abdomen', 'back', 'arm', 'forearm', 'hand', 'thigh', 'leg',
                           'foot')),
  body_side              text NOT NULL CHECK (body_side IN ('unspecified', 'left', 'right',
                           'midline')),
  location_detail        text NOT NULL DEFAULT '' CHECK (octet_length(location_detail) <= 200),
  description            text NOT NULL CHECK (octet_length(description) BETWEEN 1 AND 4000),
  keywords               text[] NOT NULL DEFAULT '{}'
                           CHECK (cardinality(keywords) <= 20
                                  AND octet_length(array_to_string(keywords, '')) <= 20 * 200),
  implant_manufacturer   text NOT NULL DEFAULT '' CHECK (octet_length(implant_manufacturer) <= 200),
  implant_serial_number  text NOT NULL DEFAULT ''
                           CHECK (octet_length(implant_serial_number) <= 200),
  -- to_tsvector('spanish', unaccent(...)) of the description, keywords and detail, written with
  -- every change (unaccent is not immutable, so this cannot be a generated column).
  search_document        tsvector NOT NULL,
  create_time            timestamptz NOT NULL DEFAULT now(),
  update_time            timestamptz NOT NULL DEFAULT now(),
  revision               bigint NOT NULL DEFAULT 1,
  delete_time            timestamptz,
  delete_reason          text CHECK (octet_length(delete_reason) <= 4000),
  CHECK ((missing_person_id IS NULL) <> (remains_id IS NULL)),
  UNIQUE (missing_person_id, create_request_id),
  UNIQUE (remains_id, create_request_id)
);
CREATE INDEX distinguishing_marks_missing_person ON distinguishing_marks (missing_person_id, id);
CREATE INDEX distinguishing_marks_remains ON distinguishing_marks (remains_id, id);
CREATE INDEX distinguishing_marks_search ON distinguishing_marks USING gin (search_document);

INSERT INTO distinguishing_marks (missing_person_id, kind, body_region, body_side,
                                  location_detail, description, search_document, create_time,
                                  update_time)
SELECT p.id,
       CASE WHEN m.mark ->> 'kind' IN ('tattoo', 'scar', 'birthmark', 'piercing', 'amputation')
            THEN m.mark ->> 'kind' ELSE 'other' END,
       'unspecified', 'unspecified',
       left(coalesce(m.mark ->> 'body_location', ''), 200),
       coalesce(nullif(m.mark ->> 'description', ''), '-'),
       to_tsvector('spanish', unaccent(coalesce(m.mark ->> 'description', '') || ' ' ||
                                       coalesce(m.mark ->> 'body_location', ''))),
       p.create_time, p.update_time
FROM missing_persons p
CROSS JOIN LATERAL jsonb_array_elements(p.distinguishing_marks) WITH ORDINALITY AS m (mark, n)
ORDER BY p.id, m.n;

ALTER TABLE missing_persons DROP COLUMN distinguishing_marks;

-- Whether the body was examined for marks: only then can a reported mark count as absent.
ALTER TABLE remains ADD COLUMN marks_examined boolean NOT NULL DEFAULT false;

GRANT SELECT, INSERT, UPDATE ON distinguishing_marks TO encuentro_app;
GRANT USAGE ON SEQUENCE distinguishing_marks_id_seq TO encuentro_app;
