-- Every change to what matching reads about a missing person (the record, its photos and face
-- templates, marks, dental chart, effects) is announced at commit on channel
-- encuentro_matching, with the person's id as payload. Each encuentrod replica listens and
-- brings its in-memory gallery and candidate pool up to date, whichever replica (or tool) made
-- the change. PostgreSQL folds identical notifications of one transaction into one.
CREATE FUNCTION notify_matching_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed record;
  person bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
  IF TG_TABLE_NAME = 'missing_persons' THEN
    person := changed.id;
  ELSIF TG_TABLE_NAME = 'face_templates' THEN
    SELECT p.missing_person_id INTO person FROM photos p WHERE p.id = changed.photo_id;
  ELSE
    person := changed.missing_person_id;
  END IF;
  IF person IS NOT NULL THEN
    PERFORM pg_notify('encuentro_matching', person::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER missing_persons_notify_matching AFTER INSERT OR UPDATE OR DELETE ON missing_persons
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
CREATE TRIGGER photos_notify_matching AFTER INSERT OR UPDATE OR DELETE ON photos
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
CREATE TRIGGER face_templates_notify_matching AFTER INSERT OR UPDATE OR DELETE ON face_templates
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
CREATE TRIGGER distinguishing_marks_notify_matching
  AFTER INSERT OR UPDATE OR DELETE ON distinguishing_marks
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
CREATE TRIGGER dental_charts_notify_matching AFTER INSERT OR UPDATE OR DELETE ON dental_charts
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
CREATE TRIGGER personal_effects_notify_matching AFTER INSERT OR UPDATE OR DELETE ON personal_effects
  FOR EACH ROW EXECUTE FUNCTION notify_matching_change();
