import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { id, publicUuid, tstz } from './columns.js';
import { companies } from './companies.js';
import { partnerships } from './partnerships.js';
import { users } from './users.js';

// People signing in (issue #9). Every token (session cookie, invitation and reset links) is
// random and only its SHA-256 is stored: a copy of the database lets nobody in.

/** A logged-in browser: the `jb_session` cookie's token, hashed. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    token_hash: text('token_hash').notNull().unique(),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    // The session's CSRF secret (@fastify/csrf): X-CSRF-Token values are salted tokens made from
    // it. It is worthless without the session cookie and dies with the session.
    csrf_secret: text('csrf_secret').notNull(),
    created_at: tstz('created_at').notNull().defaultNow(),
    // Refreshed at most once a minute; expires_at moves with it (idle expiry).
    last_seen_at: tstz('last_seen_at').notNull().defaultNow(),
    expires_at: tstz('expires_at').notNull(),
    // Logout, a password change (the other sessions), a reset or a deactivation.
    revoked_at: tstz('revoked_at'),
  },
  (t) => [index('sessions_user_id_idx').on(t.user_id)],
);

export const INVITATION_KINDS = ['team', 'partner'] as const;
export type InvitationKind = (typeof INVITATION_KINDS)[number];

/** A one-time link that lets a person set a password and join `company_id`. */
export const invitations = pgTable(
  'invitations',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: INVITATION_KINDS }).notNull(),
    email: text('email').notNull(),
    role: text('role', { enum: ['admin', 'partnerships'] }).notNull(),
    // The user it activates: a partner company's contact made with the partnership, or an
    // existing user without a password; null for a teammate who has no user yet.
    user_id: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    // Partner invitations: the partnership that made them (the inviting company is its other side).
    partnership_id: integer('partnership_id').references(() => partnerships.id, { onDelete: 'set null' }),
    invited_by_user_id: integer('invited_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    token_hash: text('token_hash').notNull().unique(),
    expires_at: tstz('expires_at').notNull(),
    accepted_at: tstz('accepted_at'),
    revoked_at: tstz('revoked_at'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('invitations_company_id_idx').on(t.company_id, t.id),
    index('invitations_company_email_idx').on(t.company_id, sql`lower(${t.email})`),
  ],
);

/** A one-time password reset link for one user (valid an hour). */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: id(),
    user_id: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    token_hash: text('token_hash').notNull().unique(),
    expires_at: tstz('expires_at').notNull(),
    used_at: tstz('used_at'),
    created_at: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('password_resets_user_id_idx').on(t.user_id),
    check('password_resets_expiry', sql`${t.expires_at} > ${t.created_at}`),
  ],
);
