-- Copied verbatim (below this header) from the Journeybee project's shared bench-floor/schema.sql
-- (../shared/bench-floor/ next to a checkout of this project), so that `npm run bench` runs on a
-- fresh clone.

-- Table for pg-leads.mjs, the performance floor.
DROP TABLE IF EXISTS leads;
CREATE TABLE leads (
  id           serial PRIMARY KEY,
  company_name varchar(255) NOT NULL,
  email        varchar(255) NOT NULL,
  phone_number varchar(255),
  first_name   varchar(255),
  last_name    varchar(255),
  source       varchar(255),
  status       varchar(32) DEFAULT 'new',
  company_id   integer NOT NULL,
  created_at   timestamptz DEFAULT now()
);
CREATE INDEX leads_company_id_index ON leads (company_id);
