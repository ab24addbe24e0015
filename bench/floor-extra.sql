-- The floor's extra tables, for routes the shared floor (bench/floor/) has no equivalent of:
-- written for this project's bench, in the shared floor's bare style. Applied after
-- bench/floor/schema.sql, on the same database, without touching its `leads` table (its bare
-- insert stays the reference for creates).

-- search_leads: a copy of the floor's leads, with the text `search` matches (company name, email,
-- phone, names: what the API's leads.search_text holds) indexed with trigrams.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP TABLE IF EXISTS search_leads;
CREATE TABLE search_leads (
  id           integer PRIMARY KEY,
  company_name varchar(255) NOT NULL,
  email        varchar(255) NOT NULL,
  phone_number varchar(255),
  first_name   varchar(255),
  last_name    varchar(255),
  source       varchar(255),
  status       varchar(32) DEFAULT 'new',
  company_id   integer NOT NULL,
  created_at   timestamptz DEFAULT now(),
  search_text  text GENERATED ALWAYS AS (lower(company_name || ' ' || email || ' ' || coalesce(phone_number, '')
                 || ' ' || coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) STORED
);

-- partners: one row per partner, the bare counterpart of POST/GET /v1/partners.
DROP TABLE IF EXISTS partners;
CREATE TABLE partners (
  id           serial PRIMARY KEY,
  name         varchar(255) NOT NULL,
  email        varchar(255) NOT NULL,
  partner_type varchar(32) NOT NULL DEFAULT 'referral',
  status       varchar(32) NOT NULL DEFAULT 'pending',
  company_id   integer NOT NULL,
  created_at   timestamptz DEFAULT now()
);
CREATE INDEX partners_company_id_index ON partners (company_id);

-- The partner report's floor: the same rows as the API's big company (bench/report.mjs) in bare
-- tables, each indexed by partner and time as the API's are.
DROP TABLE IF EXISTS report_partners, report_leads, report_deals, report_payments;
CREATE TABLE report_partners (id integer PRIMARY KEY, name varchar(255) NOT NULL);
CREATE TABLE report_leads (
  id          integer PRIMARY KEY,
  partner_id  integer NOT NULL,
  sent        boolean NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE TABLE report_deals (
  id          integer PRIMARY KEY,
  partner_id  integer NOT NULL,
  won         boolean NOT NULL,
  value       numeric(19, 4) NOT NULL,
  created_at  timestamptz NOT NULL
);
CREATE TABLE report_payments (
  id           integer PRIMARY KEY,
  partner_id   integer NOT NULL,
  value        numeric(19, 4) NOT NULL,
  completed_at timestamptz,
  created_at   timestamptz NOT NULL
);
