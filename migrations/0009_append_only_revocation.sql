-- A revoked token stays revoked: revocation is append-only, like decisions. The application role
-- may set revoke_time once (UPDATE on that column alone); no role may clear or move it after.
CREATE FUNCTION api_tokens_revocation_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoke_time IS NOT NULL AND NEW.revoke_time IS DISTINCT FROM OLD.revoke_time THEN
    RAISE EXCEPTION 'API token % was revoked at %; revocation cannot be undone or changed',
      OLD.id, OLD.revoke_time USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER api_tokens_revocation_is_final BEFORE UPDATE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION api_tokens_revocation_is_final();
