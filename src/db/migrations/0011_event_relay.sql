ALTER TABLE "events" ADD COLUMN "actor_user_id" integer;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "meta" jsonb;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "relayed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "events_unrelayed_idx" ON "events" USING btree ("id") WHERE "events"."relayed_at" IS NULL;