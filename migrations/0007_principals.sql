-- Who may call: organizations, their users (one role each), and API tokens stored only as
-- SHA-256 digests (a token is 256 random bits, shown once when issued). Families' collectives
-- see only the cases staff linked them to, with the family's consent recorded.
CREATE TABLE organizations (
  id           bigserial PRIMARY KEY,
  name         text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  kind         text NOT NULL
    CHECK (kind IN ('search_commission', 'forensic_lab', 'families_collective', 'operator')),
  create_time  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id                   bigserial PRIMARY KEY,
  name                 text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._@-]{1,62}$'),
  organization_id      bigint NOT NULL REFERENCES organizations (id),
  role                 text NOT NULL
    CHECK (role IN ('admin', 'commission_staff', 'forensic_lab', 'family_auditor')),
  -- The subject common name of the user's client certificate, for mutual TLS.
  certificate_subject  text UNIQUE,
  create_time          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
  id            bigserial PRIMARY KEY,
  user_id       bigint NOT NULL REFERENCES users (id),
  token_sha256  text NOT NULL UNIQUE,
  description   text NOT NULL DEFAULT '',
  create_time   timestamptz NOT NULL DEFAULT now(),
  expire_time   timestamptz,
  revoke_time   timestamptz
);

CREATE TABLE case_links (
  id               bigserial PRIMARY KEY,
  organization_id  bigint NOT NULL REFERENCES organizations (id),
  record_kind      text NOT NULL CHECK (record_kind IN ('missing_person', 'remains')),
  record_id        bigint NOT NULL,
  consent          text NOT NULL,
  linked_by        text NOT NULL,
  create_time      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, record_kind, record_id)
);

GRANT SELECT, INSERT ON organizations, users, case_links TO encuentro_app;
GRANT SELECT, INSERT, UPDATE (revoke_time) ON api_tokens TO encuentro_app;
GRANT USAGE ON SEQUENCE organizations_id_seq, users_id_seq, api_tokens_id_seq,
  case_links_id_seq TO encuentro_app;
