import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, publicUuid, timestamps, tstz } from './columns.js';
import { companies } from './companies.js';

export const USER_ROLES = ['admin', 'partnerships'] as const;

export const users = pgTable(
  'users',
  {
    id: id(),
    uuid: publicUuid(),
    company_id: integer('company_id')
      .notNull()
      .references(() => companies.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    first_name: text('first_name'),
    last_name: text('last_name'),
    role: text('role', { enum: USER_ROLES }).notNull().default('partnerships'),
    position: text('position'),
    phone_number: text('phone_number'),
    meeting_link: text('meeting_link'),
    color: text('color'),
    disabled_at: tstz('disabled_at'),
    // argon2id (PHC string). Null until the person sets a password: users made through the API,
    // the CLI or a partner invitation cannot log in before they activate their account.
    password_hash: text('password_hash'),
    ...timestamps(),
  },
  (t) => [
    // Unique per company, case-insensitive: the database enforces it, not a read-then-write.
    uniqueIndex('users_company_email_key').on(t.company_id, sql`lower(${t.email})`),
    index('users_company_id_idx').on(t.company_id, t.id),
  ],
);
