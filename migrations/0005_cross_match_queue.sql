-- Continuous cross-matching: every new or changed missing person, remains record or face template
-- queues a match run against the other side, in the same transaction as the change, so that no
-- change is ever missed and a crash loses nothing. Workers claim jobs with FOR UPDATE SKIP LOCKED
-- and hold the row lock while they work: a worker that dies releases its job with its connection.
CREATE TABLE cross_match_jobs (
  id           bigserial PRIMARY KEY,
  record_kind  text NOT NULL CHECK (record_kind IN ('missing_person', 'remains')),
  record_id    bigint NOT NULL,
  reason       text NOT NULL,
  enqueue_time timestamptz NOT NULL DEFAULT now(),
  -- Failed runs are retried with backoff; after too many the job stays, marked failed, for an
  -- operator to read.
  attempts     integer NOT NULL DEFAULT 0,
  not_before   timestamptz NOT NULL DEFAULT now(),
  last_error   text,
  failed       boolean NOT NULL DEFAULT false
);
CREATE INDEX cross_match_jobs_due ON cross_match_jobs (not_before, id) WHERE NOT failed;
CREATE INDEX cross_match_jobs_record ON cross_match_jobs (record_kind, record_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON cross_match_jobs TO encuentro_app;
GRANT USAGE ON SEQUENCE cross_match_jobs_id_seq TO encuentro_app;

