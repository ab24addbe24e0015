-- Events written before the relay existed were fanned out in their own transaction: the relay
-- must not turn them into deliveries and notifications a second time.
UPDATE "events" SET "relayed_at" = "created_at" WHERE "relayed_at" IS NULL;
