-- Search: trigram index over leads.search_text (a generated column), per company, live leads only.
-- pg_trgm and btree_gin are trusted extensions (PostgreSQL 13+): a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS btree_gin;--> statement-breakpoint
CREATE INDEX "leads_search_trgm_idx" ON "leads" USING gin ("company_id", "search_text" gin_trgm_ops)
  WHERE "deleted_at" IS NULL;--> statement-breakpoint

-- Exact live-lead counts per company without counting rows: every insert, soft delete, restore
-- and delete of a lead adds ±1 to one of 16 slots of its company (chosen by backend, so
-- concurrent transactions rarely wait on the same row). count = sum of the slots.
CREATE FUNCTION "lead_counters_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  company integer;
  delta integer := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    company := NEW.company_id;
    IF NEW.deleted_at IS NULL THEN delta := 1; END IF;
  ELSIF TG_OP = 'DELETE' THEN
    company := OLD.company_id;
    IF OLD.deleted_at IS NULL THEN delta := -1; END IF;
  ELSE
    company := NEW.company_id;
    IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN delta := -1;
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN delta := 1;
    END IF;
  END IF;
  IF delta <> 0 THEN
    INSERT INTO "lead_counters" ("company_id", "slot", "live")
      VALUES (company, pg_backend_pid() % 16, delta)
      ON CONFLICT ("company_id", "slot") DO UPDATE SET "live" = "lead_counters"."live" + EXCLUDED."live";
  END IF;
  RETURN NULL;
END;
$$;--> statement-breakpoint
CREATE TRIGGER "leads_count_live" AFTER INSERT OR DELETE OR UPDATE OF "deleted_at" ON "leads"
  FOR EACH ROW EXECUTE FUNCTION "lead_counters_apply"();
