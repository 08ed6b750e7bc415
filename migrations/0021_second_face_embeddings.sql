-- The second face model's embedding of a template's face (MobileFaceNet: 192 little-endian
-- float32, unit length), beside the dlib descriptor in face_templates. One per template; a
-- template enrolled before the second model has none until `encuentrod backfill-embeddings`
-- computes it from the stored photo. Rows are only ever added, like face_templates'.
CREATE TABLE face_embeddings (
  photo_id   bigint PRIMARY KEY REFERENCES face_templates (photo_id),
  embedding  bytea NOT NULL CHECK (length(embedding) = 768),
  model_id   text NOT NULL
);

-- Matching reads the embeddings too: announce them like the templates they belong to.
CREATE OR REPLACE FUNCTION notify_matching_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
  person bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF TG_TABLE_NAME = 'missing_persons' THEN
    person := changed.id;
  ELSIF TG_TABLE_NAME IN ('face_templates', 'face_embeddings') THEN
    SELECT p.missing_person_id INTO person FROM photos p WHERE p.id = changed.photo_id;
  ELSE
    person := changed.missing_person_id;
  END IF;
  IF person IS NOT NULL THEN
    PERFORM pg_notify('encuentro_matching', person::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER face_embeddings_notify_matching AFTER INSERT OR UPDATE OR DELETE ON face_embeddings
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();

GRANT SELECT, INSERT ON face_embeddings TO encuentro_app;
