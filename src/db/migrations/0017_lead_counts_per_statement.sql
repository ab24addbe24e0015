-- Inserted leads are counted once per statement, not once per row. The row trigger of 0005 adds
-- +1 to the same counter row (its backend's slot) for every lead a statement inserts; in one
-- long transaction (an import of a company's export: all or nothing) that row gets one version
-- per lead that nothing can prune before the commit, and each upsert walks them all: an import
-- of 100,000 leads took minutes, growing with the square of the count. A statement-level trigger
-- over the inserted rows (a transition table) makes one upsert per statement and company.
-- Deletes, soft deletes and restores keep the row trigger: they change one lead at a time.
CREATE FUNCTION "lead_counters_insert"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "lead_counters" ("company_id", "slot", "live")
    SELECT "company_id", pg_backend_pid() % 16, count(*) FROM "inserted_leads"
    WHERE "deleted_at" IS NULL GROUP BY "company_id"
    ON CONFLICT ("company_id", "slot") DO UPDATE SET "live" = "lead_counters"."live" + EXCLUDED."live";
  RETURN NULL;
END;
$$;--> statement-breakpoint
DROP TRIGGER "leads_count_live" ON "leads";--> statement-breakpoint
CREATE TRIGGER "leads_count_live" AFTER DELETE OR UPDATE OF "deleted_at" ON "leads"
  FOR EACH ROW EXECUTE FUNCTION "lead_counters_apply"();--> statement-breakpoint
CREATE TRIGGER "leads_count_inserted" AFTER INSERT ON "leads"
  REFERENCING NEW TABLE AS "inserted_leads"
  FOR EACH STATEMENT EXECUTE FUNCTION "lead_counters_insert"();
