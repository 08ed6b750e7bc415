-- Dental charts (Interpol DVI dental coding): one per record, a singleton resource
-- ("missingPersons/1/dentalChart"). The teeth are one JSON document, as the chart is read and
-- written whole: {"16": {"state": "missing_am"}, "26": {"state": "present", "restorations":
-- [{"kind": "filling", "surfaces": 3, "material": "amalgam"}]}}; teeth not in it were not examined.
CREATE TABLE dental_charts (
  id                 bigserial PRIMARY KEY,
  missing_person_id  bigint UNIQUE REFERENCES missing_persons (id),
  remains_id         bigint UNIQUE REFERENCES remains (id),
  source             text NOT NULL CHECK (source IN ('unspecified', 'dental_record', 'radiograph',
                       'clinical_examination', 'family_report', 'other')),
  source_date        date,
  notes              text NOT NULL DEFAULT '' CHECK (octet_length(notes) <= 4000),
  teeth              jsonb NOT NULL DEFAULT '{}'
                       CHECK (jsonb_typeof(teeth) = 'object' AND octet_length(teeth::text) <= 65536),
  create_time        timestamptz NOT NULL DEFAULT now(),
  update_time        timestamptz NOT NULL DEFAULT now(),
  revision           bigint NOT NULL DEFAULT 1,
  CHECK ((missing_person_id IS NULL) <> (remains_id IS NULL))
);

GRANT SELECT, INSERT, UPDATE ON dental_charts TO encuentro_app;
GRANT USAGE ON SEQUENCE dental_charts_id_seq TO encuentro_app;
