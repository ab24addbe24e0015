import { expect } from 'vitest';
import type { ApiClient, TestApp } from './app.js';
import { makeTenant } from './factories.js';

// Shared by the catalogue test files (tags, tiers, categories, stages, custom fields, campaigns,
// countries): the app over the file's own database, and the expected bodies they all assert.

export { useTestApp } from './app.js';

export const FORBIDDEN = { error: 'Write access required for this operation', code: 'forbidden' };
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** An id no row has. */
export const MISSING_ID = 2_147_483_647;

/** The 400 of one invalid field, as the API words it. */
export function invalid(path: string, message: string, where = 'field') {
  return {
    error: `Invalid ${where} '${path}': ${message}`,
    code: 'bad_request',
    details: [{ path, message }],
  };
}

/** The 400 for fields (or query parameters) the endpoint does not take. */
export function unknownFields(paths: string[], where = 'field') {
  return {
    error: `Unknown ${where}${paths.length > 1 ? 's' : ''}: ${paths.join(', ')}`,
    code: 'bad_request',
    details: paths.map((path) => ({ path, message: `Unknown field '${path}'` })),
  };
}

/**
 * Sends `body` with a new tenant's write key and expects exactly `expected` (a 400); a create
 * that is refused must also have written nothing. Returns the tenant's keys.
 */
export async function expectRejected(
  t: TestApp,
  method: string,
  path: string,
  body: unknown,
  expected: unknown,
) {
  const tenant = await makeTenant(t.database.db);
  const res = await t.api.request(method, path, { key: tenant.writeKey, body });
  expect(res.status).toBe(400);
  expect(res.body).toEqual(expected);
  if (method === 'POST') expect((await getOk(t.api, tenant.readKey, path)).meta['record-count']).toBe(0);
  return tenant;
}

export const notFound = (noun: string) => ({ error: `${noun} not found`, code: 'not_found' });
export const conflict = (error: string) => ({ error, code: 'conflict' });

/** POST that must answer 201; returns the created object. */
export async function createOk(api: ApiClient, key: string, path: string, body: unknown) {
  const res = await api.post(path, { key, body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** GET that must answer 200; returns the body. */
export async function getOk(api: ApiClient, key: string, path: string) {
  const res = await api.get(path, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

export const idsOf = (list: { data: { id: number }[] }) => list.data.map((item) => item.id);
