-- The biological profile as the evidence engine needs it: a sex estimate's method kind and error
-- rate (a posterior is not a likelihood), and a stature estimate's point value, standard error and
-- formula (a range alone hides how many standard errors it spans). Older rows keep NULLs and are
-- read with documented defaults (matching/README.md).
ALTER TABLE remains
  ADD COLUMN sex_method_kind text NOT NULL DEFAULT 'unspecified'
    CHECK (sex_method_kind IN ('unspecified', 'skeletal_morphology', 'skeletal_metric',
                               'soft_tissue', 'dna')),
  ADD COLUMN sex_error_rate double precision CHECK (sex_error_rate BETWEEN 0 AND 0.5),
  ADD COLUMN stature_cm double precision,
  ADD COLUMN stature_se_cm double precision CHECK (stature_se_cm > 0),
  ADD COLUMN stature_formula_id text;
