DROP INDEX "leads_company_email_live_key";--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "origin" text DEFAULT 'own' NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "partner_custom_fields" jsonb;--> statement-breakpoint
CREATE INDEX "leads_company_updated_idx" ON "leads" USING btree ("company_id","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "leads"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "leads_company_name_idx" ON "leads" USING btree ("company_id",lower("company_name"),"id") WHERE "leads"."deleted_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "leads_company_email_live_key" ON "leads" USING btree ("company_id",lower(btrim("email"))) WHERE "leads"."deleted_at" IS NULL AND "leads"."email" IS NOT NULL AND "leads"."origin" = 'own';--> statement-breakpoint
-- Hand-written: a search reads the trigram index's whole pending list (entries inserted since the
-- last flush) before the index proper. At the default 4 MB that is up to ~500 pages per search,
-- 2.5x the cost of the search itself at 100,000 leads; 256 kB keeps it to ~32 pages while inserts
-- still go to the pending list in batches.
ALTER INDEX "leads_search_trgm_idx" SET (gin_pending_list_limit = 256);
