-- Readers find an entry by the targets inside its hashed text, not by the unhashed `targets`
-- column, which an edit could change without breaking the chain (hiding an entry from the family
-- whose case it names). This index keeps that lookup fast.
CREATE INDEX audit_log_entry_targets ON audit_log USING gin (((entry::jsonb) -> 'targets'));
