-- A photo may show a mark or an effect of its record rather than a face: it is filed under the
-- mark or effect and skips face analysis.
ALTER TABLE photos
  ADD COLUMN mark_id bigint REFERENCES distinguishing_marks (id),
  ADD COLUMN effect_id bigint REFERENCES personal_effects (id),
  ADD CONSTRAINT photos_depict_one CHECK (mark_id IS NULL OR effect_id IS NULL);
CREATE INDEX photos_mark ON photos (mark_id) WHERE mark_id IS NOT NULL;
CREATE INDEX photos_effect ON photos (effect_id) WHERE effect_id IS NOT NULL;
