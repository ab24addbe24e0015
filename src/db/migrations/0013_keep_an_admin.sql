-- The last active admin of a company can be neither deactivated nor demoted, even when two
-- admins demote each other at once. A write that may demote or deactivate a user calls this in
-- its WHERE clause (`… AND users_keep_an_admin(company_id, id)`), so the check and the change
-- are one statement. It locks the company row first (FOR NO KEY UPDATE: demotions within one
-- company queue on it; inserts that reference the company do not), and then, being VOLATILE,
-- reads in a new snapshot: a demotion that waited for the lock sees what the one before it
-- committed. It raises check_violation with the constraint name `users_keep_an_admin` (the API
-- answers 409) when `target` is an active admin and the company has no other; otherwise true.
CREATE FUNCTION "users_keep_an_admin"(company integer, target integer) RETURNS boolean
  LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM 1 FROM "companies" WHERE "id" = company FOR NO KEY UPDATE;
  IF EXISTS (SELECT 1 FROM "users" WHERE "id" = target AND "company_id" = company
               AND "role" = 'admin' AND "disabled_at" IS NULL)
     AND NOT EXISTS (SELECT 1 FROM "users" WHERE "company_id" = company AND "id" <> target
               AND "role" = 'admin' AND "disabled_at" IS NULL) THEN
    RAISE EXCEPTION 'The last active admin of a company can be neither deactivated nor demoted'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'users_keep_an_admin';
  END IF;
  RETURN true;
END;
$$;
