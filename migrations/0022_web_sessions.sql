-- Web console sessions: a user logs in with an API token and gets a short-lived session, held by
-- the browser as an HttpOnly cookie. Like tokens, only the SHA-256 of the session secret is
-- stored, and revocation (logout) is final.
CREATE TABLE web_sessions (
  id              bigserial PRIMARY KEY,
  secret_sha256   text NOT NULL UNIQUE,
  user_id         bigint NOT NULL REFERENCES users (id),
  -- The token that opened the session (NULL is kept for logins by client certificate, which the
  -- console does not offer yet). Revoking the token ends its sessions.
  token_id        bigint REFERENCES api_tokens (id),
  create_time     timestamptz NOT NULL DEFAULT clock_timestamp(),
  expire_time     timestamptz NOT NULL,
  revoke_time     timestamptz
);
CREATE INDEX web_sessions_user ON web_sessions (user_id, id);

CREATE FUNCTION web_sessions_revocation_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoke_time IS NOT NULL AND NEW.revoke_time IS DISTINCT FROM OLD.revoke_time THEN
    RAISE EXCEPTION 'web session % was revoked at %; revocation cannot be undone or changed',
      OLD.id, OLD.revoke_time USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER web_sessions_revocation_is_final BEFORE UPDATE ON web_sessions
  FOR EACH ROW EXECUTE FUNCTION web_sessions_revocation_is_final();

GRANT SELECT, INSERT, UPDATE (revoke_time) ON web_sessions TO encuentro_app;
GRANT USAGE ON SEQUENCE web_sessions_id_seq TO encuentro_app;

-- The review queue sorts leads by the scores they were raised with, and filters them by lab.
ALTER TABLE match_decisions
  ADD COLUMN lead_posterior double precision,
  ADD COLUMN lead_log10_lr double precision;
