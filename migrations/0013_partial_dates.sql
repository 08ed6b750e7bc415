-- Partial dates: a family may know only the year a person was born, or the month they were last
-- seen. The date column keeps the first day; its precision says how much of it is known.
ALTER TABLE missing_persons
  ADD COLUMN date_of_birth_precision text NOT NULL DEFAULT 'day'
    CHECK (date_of_birth_precision IN ('day', 'month', 'year')),
  ADD COLUMN last_seen_precision text NOT NULL DEFAULT 'day'
    CHECK (last_seen_precision IN ('day', 'month', 'year'));
ALTER TABLE remains
  ADD COLUMN found_precision text NOT NULL DEFAULT 'day'
    CHECK (found_precision IN ('day', 'month', 'year'));
ALTER TABLE photos
  ADD COLUMN capture_precision text NOT NULL DEFAULT 'day'
    CHECK (capture_precision IN ('day', 'month', 'year'));

-- The view's columns were fixed when it was made; it gains the new ones.
CREATE OR REPLACE VIEW live_missing_persons AS
  SELECT * FROM missing_persons p
  WHERE p.delete_time IS NULL AND p.status IN ('missing', 'located_deceased')
    AND NOT EXISTS (SELECT 1 FROM identifications i WHERE i.missing_person_id = p.id);
