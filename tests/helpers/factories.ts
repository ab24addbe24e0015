import type { Db } from '../../src/db/database.js';
import { ApiKeyService } from '../../src/modules/api-keys/api-keys.service.js';
import { CompanyService } from '../../src/modules/companies/companies.service.js';
import type { CreateUserInput } from '../../src/modules/users/users.schemas.js';
import { UserService } from '../../src/modules/users/users.service.js';
import { uniq } from './app.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent } as never;

// Factories go through the services, so test data obeys the same rules as real data.
export async function makeCompany(db: Db, overrides: { name?: string; domain?: string } = {}) {
  const id = uniq();
  return new CompanyService(db).create({ name: `Company ${id}`, domain: `c${id}.test`, ...overrides });
}

export async function makeUser(db: Db, companyId: number, overrides: Partial<CreateUserInput> = {}) {
  return new UserService(db).create(companyId, {
    email: `user-${uniq()}@example.test`,
    first_name: 'Test',
    last_name: 'User',
    role: 'partnerships',
    ...overrides,
  });
}

export async function makeApiKey(
  db: Db,
  companyId: number,
  permission: 'read' | 'write' = 'write',
  opts: { userId?: number; expiresAt?: Date } = {},
) {
  const created = await new ApiKeyService(db, silent).create({
    companyId,
    permission,
    userId: opts.userId,
    expiresAt: opts.expiresAt,
  });
  return { id: created.row.id, key: created.key };
}

/** A company with an admin user, and a write and a read key acting as that admin. */
export async function makeTenant(db: Db) {
  const company = await makeCompany(db);
  const admin = await makeUser(db, company.id, { role: 'admin' });
  const write = await makeApiKey(db, company.id, 'write', { userId: admin.id });
  const read = await makeApiKey(db, company.id, 'read', { userId: admin.id });
  return { company, admin, writeKey: write.key, readKey: read.key, writeKeyId: write.id, readKeyId: read.id };
}
