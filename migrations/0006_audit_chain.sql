-- The audit log becomes a hash chain that anyone holding an export and the server's public key
-- can check offline (audit/chain.h):
--   hash(k) = sha256(hash(k-1) as 64 lowercase hex digits || '\n' || entry(k) as UTF-8),
--   hash(0) = 64 zeros,
-- where entry(k) is the canonical JSON text of the k-th entry, stored verbatim. Editing,
-- deleting or reordering entries breaks every later link, and signed checkpoints of
-- (tree size, head hash, time) pin the chain against a rewrite from the edit onwards.
ALTER TABLE audit_log
  ADD COLUMN position   bigint UNIQUE,
  ADD COLUMN entry      text,
  ADD COLUMN prev_hash  text,
  ADD COLUMN entry_hash text;

-- Entries written before the chain existed are chained in their order of writing, with their
-- columns as the canonical text.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
DO $$
DECLARE
  r record;
  prev text := repeat('0', 64);
  n bigint := 0;
  canonical text;
BEGIN
  FOR r IN SELECT * FROM audit_log ORDER BY seq LOOP
    n := n + 1;
    canonical := jsonb_build_object(
      'v', 1, 'time', to_char(r.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
      'principal', r.principal, 'organization', r.organization, 'role', r.role,
      'method', r.method, 'targets', to_jsonb(r.targets), 'purpose', r.purpose,
      'legal_basis', r.legal_basis, 'outcome', r.outcome)::text;
    UPDATE audit_log SET position = n, entry = canonical, prev_hash = prev,
      entry_hash = encode(sha256(convert_to(prev || E'\n' || canonical, 'UTF8')), 'hex')
      WHERE seq = r.seq;
    prev := encode(sha256(convert_to(prev || E'\n' || canonical, 'UTF8')), 'hex');
  END LOOP;
END
$$;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;
ALTER TABLE audit_log
  ALTER COLUMN position SET NOT NULL,
  ALTER COLUMN entry SET NOT NULL,
  ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN entry_hash SET NOT NULL;

-- The database itself refuses a link that does not extend the chain, whoever writes it.
CREATE FUNCTION audit_log_check_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  expected_prev text;
BEGIN
  IF NEW.position = 1 THEN
    expected_prev := repeat('0', 64);
  ELSE
    SELECT entry_hash INTO expected_prev FROM audit_log WHERE position = NEW.position - 1;
  END IF;
  IF expected_prev IS NULL OR NEW.prev_hash IS DISTINCT FROM expected_prev THEN
    RAISE EXCEPTION 'audit_log: entry % does not follow the chain head', NEW.position
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF NEW.entry_hash IS DISTINCT FROM
     encode(sha256(convert_to(NEW.prev_hash || E'\n' || NEW.entry, 'UTF8')), 'hex') THEN
    RAISE EXCEPTION 'audit_log: entry % has a wrong hash', NEW.position
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_check_link();

-- Signed checkpoints: the server's Ed25519 signature over audit/chain.h's CheckpointMessage.
CREATE TABLE audit_checkpoints (
  tree_size   bigint PRIMARY KEY,
  head_hash   text NOT NULL,
  time        timestamptz NOT NULL,
  message     text NOT NULL,
  signature   text NOT NULL,
  public_key  text NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
GRANT SELECT, INSERT ON audit_checkpoints TO encuentro_app;
