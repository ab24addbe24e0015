/**
 * `journeybee seed --demo --json` (API.md section 3): the documented object, and keys that work
 * against a real server on the same database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestApp, type TestApp } from '../helpers/app.js';
import { childEnv, killChildren, runCli } from '../helpers/process.js';

let t: TestApp;
let drop: () => Promise<void>;
let seed: any;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  env = childEnv(db.url);
  t = await startTestApp(db.url);
  const result = await runCli(['seed', '--demo', '--json'], env, 60_000);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  seed = JSON.parse(result.stdout);
});

afterAll(async () => {
  await killChildren();
  await t?.close();
  await drop?.();
});

describe('seed --demo', () => {
  it('prints exactly one object with two companies of the documented shape', () => {
    expect(Object.keys(seed)).toEqual(['companies']);
    expect(seed.companies).toHaveLength(2);
    for (const c of seed.companies) {
      expect(c).toMatchObject({ id: expect.any(Number), uuid: expect.any(String), name: expect.any(String) });
      expect(c.users.length).toBeGreaterThanOrEqual(1);
      for (const u of c.users) expect(u).toMatchObject({ id: expect.any(Number), email: expect.any(String) });
      expect(c.keys.read).toMatch(/^jb_api_[0-9A-Za-z]{32,}$/);
      expect(c.keys.write).toMatch(/^jb_api_[0-9A-Za-z]{32,}$/);
      expect(c.tags.length).toBeGreaterThanOrEqual(2);
      for (const tag of c.tags) expect(tag).toMatchObject({ id: expect.any(Number), association: 'lead' });
      expect(c.customFields.map((f: any) => [f.type, f.category])).toEqual(
        expect.arrayContaining([
          ['number', 'lead'],
          ['text', 'lead'],
        ]),
      );
      expect(c.campaigns).toEqual([{ id: expect.any(Number), title: expect.any(String) }]);
      expect(c.partners).toHaveLength(1);
    }
    const [a, b] = seed.companies;
    expect(a.partners[0]).toMatchObject({ partner_company_id: b.id, partner_type: 'referral' });
    expect(b.partners[0]).toMatchObject({ partner_company_id: a.id, partner_type: 'referral' });
    expect(a.partners[0].partnership_id).toBe(b.partners[0].partnership_id);
    expect(a.partners[0].id).not.toBe(b.partners[0].id);
  });

  it("prints keys that work: each company sees its accepted partnership under its own side's id", async () => {
    for (const [me, other] of [seed.companies, [...seed.companies].reverse()]) {
      const side = await t.api.get(`/v1/partners/${me.partners[0].id}`, { key: me.keys.read });
      expect(side.status).toBe(200);
      expect(side.body).toMatchObject({
        id: me.partners[0].id,
        partnership_id: me.partners[0].partnership_id,
        partnership: { status: 'accepted', partner_type: 'referral' },
        partner: { id: other.id },
      });
      const readWrite = await t.api.post('/v1/users', {
        key: me.keys.read,
        body: { email: 'x@example.test' },
      });
      expect(readWrite.status).toBe(403);
      const created = await t.api.post('/v1/users', {
        key: me.keys.write,
        body: { email: `new@${me.domain}` },
      });
      expect(created.status).toBe(201);
    }
  });

  it('makes the tags, custom fields and campaign of each company, none of the fields required', async () => {
    for (const c of seed.companies) {
      const fields = await t.api.get('/v1/custom-fields?category=lead', { key: c.keys.read });
      expect(fields.body.data.map((f: any) => f.id).sort()).toEqual(
        c.customFields.map((f: any) => f.id).sort(),
      );
      expect(fields.body.data.every((f: any) => f.required === false)).toBe(true);
      const tags = await t.api.get('/v1/tags?association=lead', { key: c.keys.read });
      expect(tags.body.data.map((x: any) => x.id).sort()).toEqual(c.tags.map((x: any) => x.id).sort());
      const campaign = await t.api.get(`/v1/campaigns/${c.campaigns[0].id}`, { key: c.keys.read });
      expect(campaign.body.title).toBe(c.campaigns[0].title);
    }
  });

  it('can run again on the same database (new domains, new companies)', async () => {
    const again = await runCli(['seed', '--demo', '--json'], env, 60_000);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout);
    expect(second.companies[0].id).not.toBe(seed.companies[0].id);
  });

  it('refuses to run without --demo', async () => {
    const res = await runCli(['seed', '--json'], env);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(JSON.parse(res.stderr).error).toContain('--demo');
  });
});
