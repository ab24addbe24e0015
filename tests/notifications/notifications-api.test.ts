import { beforeAll, describe, expect, it } from 'vitest';
import { insertNotifications } from '../../src/modules/notifications/notifications.repository.js';
import { useTestApp } from '../helpers/app.js';
import { ISO_TIMESTAMP, UUID } from '../helpers/catalogue-api.js';
import { makeApiKey, makeTenant, makeUser } from '../helpers/factories.js';
import { invite, notificationsOf, relayed } from '../helpers/notifications.js';

// GET /v1/notifications (+ /{id}), POST /{id}/read and /read-all: a key acts as its user; an
// admin's key may read another user of its company; everything else is invisible (404).

const ctx = useTestApp();
const db = () => ctx.t.database.db;
const api = () => ctx.t.api;

const ISO = expect.stringMatching(ISO_TIMESTAMP);

type Tenant = Awaited<ReturnType<typeof makeTenant>>;
let inviter: Tenant;
let partner: Tenant;
let secondAdmin: Awaited<ReturnType<typeof makeUser>>;
let member: Awaited<ReturnType<typeof makeUser>>;
let memberKey: string;
let userlessKey: string;
let accepted: any;

beforeAll(async () => {
  inviter = await makeTenant(db());
  partner = await makeTenant(db());
  secondAdmin = await makeUser(db(), inviter.company.id, { role: 'admin' });
  member = await makeUser(db(), inviter.company.id, { role: 'partnerships' });
  memberKey = (await makeApiKey(db(), inviter.company.id, 'write', { userId: member.id })).key;
  userlessKey = (await makeApiKey(db(), inviter.company.id, 'write')).key;
  // The partner accepts: the inviting company's admins are told.
  const invitation = await invite(api(), inviter.writeKey, partner);
  await invitation.answer('accept');
  accepted = invitation;
  await relayed(db());
});

describe('notifications: reading your own', () => {
  it('lists the key user’s notifications, newest first, with the contract’s list shape', async () => {
    const res = await api().get('/v1/notifications', { key: inviter.readKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: [
        {
          id: expect.any(Number),
          uuid: expect.stringMatching(UUID),
          user_id: inviter.admin.id,
          type: 'partnership_accepted',
          title: `${partner.company.name} accepted your partnership invitation`,
          body: null,
          data: {
            partner_id: accepted.mine.id,
            partnership_id: accepted.mine.partnership_id,
            partnership_uuid: accepted.mine.partnership.uuid,
            company_name: partner.company.name,
          },
          read_at: null,
          created_at: ISO,
          updated_at: ISO,
        },
      ],
      meta: { 'record-count': 1, 'page-count': 1 },
    });
  });

  it('pages newest first and filters unread=1; read and read-all mark them', async () => {
    const user = await makeUser(db(), inviter.company.id);
    const key = (await makeApiKey(db(), inviter.company.id, 'write', { userId: user.id })).key;
    const rows = await insertNotifications(
      db(),
      Array.from({ length: 12 }, (_, i) => ({
        companyId: inviter.company.id,
        userId: user.id,
        type: 'lead_assigned' as const,
        title: `Lead ${i}`,
      })),
    );
    const ids = rows.map((r) => r.id).reverse();
    const page1 = await api().get('/v1/notifications?pageSize=5', { key });
    expect(page1.body.data.map((n: any) => n.id)).toEqual(ids.slice(0, 5));
    expect(page1.body.meta).toEqual({ 'record-count': 12, 'page-count': 3 });
    const page3 = await api().get('/v1/notifications?pageSize=5&page=3', { key });
    expect(page3.body.data.map((n: any) => n.id)).toEqual(ids.slice(10));
    expect((await api().get('/v1/notifications?page=9', { key })).body.data).toEqual([]);

    const read = await api().post(`/v1/notifications/${ids[0]}/read`, { key });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: ids[0], read_at: ISO });
    expect(read.body.updated_at).toBe(read.body.read_at);
    // Reading twice keeps the first time.
    const again = await api().post(`/v1/notifications/${ids[0]}/read`, { key, body: {} });
    expect(again.body.read_at).toBe(read.body.read_at);

    const unread = await api().get('/v1/notifications?unread=1&pageSize=50', { key });
    expect(unread.body.meta['record-count']).toBe(11);
    expect(unread.body.data.map((n: any) => n.id)).not.toContain(ids[0]);
    expect((await api().get('/v1/notifications?unread=0', { key })).body.meta['record-count']).toBe(12);

    const all = await api().post('/v1/notifications/read-all', { key });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ updated: 11 });
    expect((await api().get('/v1/notifications?unread=true', { key })).body.meta['record-count']).toBe(0);
    expect((await api().post('/v1/notifications/read-all', { key })).body).toEqual({ updated: 0 });
    expect((await notificationsOf(db(), user.id)).every((n) => n.read_at !== null)).toBe(true);
  });

  it('refuses bad query parameters, naming them', async () => {
    const unread = await api().get('/v1/notifications?unread=maybe', { key: inviter.readKey });
    expect(unread.status).toBe(400);
    expect(unread.body.error).toBe("Invalid query parameter 'unread': must be 1 or 0");
    const userId = await api().get('/v1/notifications?userId=abc', { key: inviter.readKey });
    expect(userId.status).toBe(400);
    expect(userId.body.error).toContain("'userId'");
    const other = await api().get('/v1/notifications?since=1', { key: inviter.readKey });
    expect(other.status).toBe(400);
  });

  it('a read key may list but not mark read (403)', async () => {
    const [mine] = await notificationsOf(db(), inviter.admin.id);
    const res = await api().post(`/v1/notifications/${mine!.id}/read`, { key: inviter.readKey });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('Write access required for this operation');
    expect((await notificationsOf(db(), inviter.admin.id))[0]!.read_at).toBeNull();
  });
});

describe('notifications: whose', () => {
  it("an admin's key reads another user of its company with userId", async () => {
    const res = await api().get(`/v1/notifications?userId=${secondAdmin.id}`, { key: inviter.readKey });
    expect(res.status).toBe(200);
    expect(res.body.data.map((n: any) => [n.user_id, n.type])).toEqual([
      [secondAdmin.id, 'partnership_accepted'],
    ]);
    // Reading it for them is not the admin's to do: marking read is for the user's own key.
    const read = await api().post(`/v1/notifications/${res.body.data[0].id}/read`, { key: inviter.writeKey });
    expect(read.status).toBe(404);
  });

  it("a non-admin's key may name only itself (403 otherwise)", async () => {
    const self = await api().get(`/v1/notifications?userId=${member.id}`, { key: memberKey });
    expect(self.status).toBe(200);
    expect(self.body.data).toEqual([]);
    const other = await api().get(`/v1/notifications?userId=${inviter.admin.id}`, { key: memberKey });
    expect(other.status).toBe(403);
    expect(other.body).toEqual({
      error: "Only an admin's API key may read another user's notifications",
      code: 'forbidden',
    });
  });

  it("another company's user is 404, even for an admin", async () => {
    const res = await api().get(`/v1/notifications?userId=${partner.admin.id}`, { key: inviter.readKey });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'User not found', code: 'not_found' });
    const stream = await api().get(`/v1/notifications/stream?userId=${partner.admin.id}`, {
      key: inviter.readKey,
    });
    expect(stream.status).toBe(404);
  });

  it('a key created without a user is a 400 that says why', async () => {
    for (const path of [
      '/v1/notifications',
      `/v1/notifications?userId=${inviter.admin.id}`,
      '/v1/notifications/stream',
    ]) {
      const res = await api().get(path, { key: userlessKey });
      expect(res.status, path).toBe(400);
      expect(res.body).toEqual({
        error:
          'Notifications belong to users, and this API key was created without one: use a key created by a user',
        code: 'bad_request',
      });
    }
    expect((await api().post('/v1/notifications/read-all', { key: userlessKey })).status).toBe(400);
  });

  it("another user's or another company's notification is 404 to mark read, and never listed", async () => {
    const [adminsOwn] = await notificationsOf(db(), inviter.admin.id);
    for (const key of [memberKey, partner.writeKey]) {
      const read = await api().post(`/v1/notifications/${adminsOwn!.id}/read`, { key });
      expect(read.status).toBe(404);
      expect(read.body).toEqual({ error: 'Notification not found', code: 'not_found' });
      const list = await api().get('/v1/notifications?pageSize=50', { key });
      expect(list.body.data.map((n: any) => n.id)).not.toContain(adminsOwn!.id);
    }
    expect((await notificationsOf(db(), inviter.admin.id))[0]!.read_at).toBeNull();
    // The partner company's people got nothing from their own acceptance.
    expect((await api().get('/v1/notifications', { key: partner.readKey })).body.data).toEqual([]);
  });
});
