-- Every text and repeated field of the tables made before 0010 gets the limits validation
-- enforces (README "Limits"): 200 bytes for names, folios, ids and labels, 4000 for free text.
-- A 10 MB reason stored once in an append-only table would break every listing that includes it
-- for good. NOT VALID: the constraints hold for every row written from now on, and an upgrade
-- does not fail on a row an older server let in.
ALTER TABLE missing_persons
  ADD CONSTRAINT missing_persons_text_limits CHECK (
    octet_length(create_request_id) <= 200 AND octet_length(case_folio) <= 200 AND
    octet_length(issuing_authority) <= 200 AND octet_length(given_names) <= 200 AND
    octet_length(family_names) <= 200 AND octet_length(last_seen_place) <= 4000 AND
    jsonb_array_length(aliases) <= 20 AND octet_length(aliases::text) <= 20 * 210 AND
    octet_length(delete_reason) <= 4000) NOT VALID;

ALTER TABLE remains
  ADD CONSTRAINT remains_text_limits CHECK (
    octet_length(create_request_id) <= 200 AND octet_length(case_folio) <= 200 AND
    octet_length(lab) <= 200 AND octet_length(responsible_expert) <= 200 AND
    octet_length(found_place) <= 4000 AND octet_length(sex_method) <= 200 AND
    octet_length(sex_author) <= 200 AND octet_length(age_method) <= 200 AND
    octet_length(age_author) <= 200 AND octet_length(stature_method) <= 200 AND
    octet_length(stature_author) <= 200 AND octet_length(stature_formula_id) <= 200 AND
    octet_length(notes) <= 4000 AND octet_length(delete_reason) <= 4000) NOT VALID;

ALTER TABLE photos
  ADD CONSTRAINT photos_text_limits CHECK (
    octet_length(create_request_id) <= 200 AND octet_length(progression_author) <= 200 AND
    octet_length(delete_reason) <= 4000) NOT VALID;

ALTER TABLE match_decisions
  ADD CONSTRAINT match_decisions_text_limits CHECK (
    octet_length(reason) <= 4000 AND octet_length(principal) <= 200 AND
    octet_length(organization) <= 200) NOT VALID;

ALTER TABLE case_links
  ADD CONSTRAINT case_links_text_limits CHECK (
    octet_length(consent) <= 4000 AND octet_length(linked_by) <= 200) NOT VALID;

ALTER TABLE api_tokens
  ADD CONSTRAINT api_tokens_text_limits CHECK (octet_length(description) <= 200) NOT VALID;

ALTER TABLE users
  ADD CONSTRAINT users_text_limits CHECK (octet_length(certificate_subject) <= 4000) NOT VALID;

ALTER TABLE measurement_sets
  ADD CONSTRAINT measurement_sets_text_limits CHECK (
    octet_length(observer) <= 200 AND octet_length(instrument) <= 200 AND
    octet_length(notes) <= 4000 AND octet_length(created_by) <= 200) NOT VALID;

-- An audit entry holds at most a search's legal basis and outcome: bounded so that no entry can
-- make the log unreadable. The hashed entry text bounds everything a reader relies on.
ALTER TABLE audit_log
  ADD CONSTRAINT audit_log_limits CHECK (
    octet_length(principal) <= 200 AND octet_length(organization) <= 200 AND
    octet_length(method) <= 200 AND octet_length(purpose) <= 200 AND
    octet_length(legal_basis) <= 4000 AND cardinality(targets) <= 2000 AND
    octet_length(entry) <= 1048576) NOT VALID;
