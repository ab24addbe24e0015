import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { webhookEndpoints } from '../../src/db/schema/index.js';
import { blockedAddressReason } from '../../src/modules/webhooks/webhooks.ssrf.js';
import { makeTenant } from '../helpers/factories.js';
import { createWebhook, Receiver, useWebhookServer, waitForDelivery } from '../helpers/webhooks.js';

// SSRF: with WEBHOOK_ALLOW_PRIVATE_NETWORKS at its default (false), URLs that point to loopback,
// private, link-local or otherwise reserved addresses are refused when saved (resolution only:
// nothing is sent) and again at every send. The only traffic here goes to a 127.0.0.1 receiver,
// and the point is that it never arrives.

const ctx = useWebhookServer({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' });

/** A public address, accepted when saved; its endpoints are created paused, so nothing is sent. */
const PUBLIC_URL = 'https://93.184.215.14/hooks';

describe('addresses a webhook may not reach', () => {
  it.each([
    ['127.0.0.1', 'loopback address'],
    ['127.8.9.10', 'loopback address'],
    ['10.0.0.1', 'private network address'],
    ['172.16.0.1', 'private network address'],
    ['172.31.255.254', 'private network address'],
    ['192.168.1.1', 'private network address'],
    ['100.64.0.1', 'carrier-grade NAT address'],
    ['169.254.169.254', 'link-local address (cloud metadata lives here)'],
    ['0.0.0.0', '"this network" address'],
    ['224.0.0.251', 'multicast address'],
    ['255.255.255.255', 'reserved address'],
    ['::1', 'loopback address'],
    ['::', 'unspecified address'],
    ['fc00::1', 'unique local (private) address'],
    ['fd12:3456::1', 'unique local (private) address'],
    ['fe80::1', 'link-local address'],
    ['ff02::1', 'multicast address'],
    ['::ffff:127.0.0.1', 'IPv4-mapped address of a loopback address'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped address of a link-local address (cloud metadata lives here)'],
    ['::ffff:10.1.2.3', 'IPv4-mapped address of a private network address'],
    ['64:ff9b::a00:1', 'NAT64 address of a private network address'],
  ])('%s is refused (%s)', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('%s is public', (address) => {
    expect(blockedAddressReason(address)).toBeUndefined();
  });
});

describe('webhook URLs are checked when saved', () => {
  it.each([
    ['http://10.0.0.1/', '10.0.0.1 (private network address)'],
    ['http://172.20.1.1/hook', '172.20.1.1 (private network address)'],
    ['http://192.168.0.10:8080/', '192.168.0.10 (private network address)'],
    ['http://100.100.100.100/', '100.100.100.100 (carrier-grade NAT address)'],
    [
      'http://169.254.169.254/latest/meta-data/',
      '169.254.169.254 (link-local address (cloud metadata lives here))',
    ],
    ['http://127.0.0.1:3000/', '127.0.0.1 (loopback address)'],
    ['http://2130706433/', '127.0.0.1 (loopback address)'],
    ['http://0x7f.1/', '127.0.0.1 (loopback address)'],
    ['http://0.0.0.0/', '0.0.0.0 ("this network" address)'],
    ['http://[::1]/', '::1 (loopback address)'],
    ['http://[::]/', ':: (unspecified address)'],
    ['http://[fd00::1]/', 'fd00::1 (unique local (private) address)'],
    ['http://[fe80::1]/', 'fe80::1 (link-local address)'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1 (IPv4-mapped address of a loopback address)'],
    ['http://localhost/', "'localhost' resolves to"],
  ])('refuses %s with a 400 naming url', async (url, shown) => {
    const { writeKey, readKey } = await makeTenant(ctx.db);
    const res = await ctx.s.api.post('/v1/webhooks', {
      key: writeKey,
      body: { url, events: ['users.create'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { path: 'url', message: expect.stringContaining('must not point to a private or reserved network: ') },
    ]);
    expect(res.body.error).toContain(`Invalid field 'url'`);
    expect(res.body.error).toContain(shown);
    expect((await ctx.s.api.get('/v1/webhooks', { key: readKey })).body.meta['record-count']).toBe(0);
  });

  it('accepts a public address, and refuses a private one on update', async () => {
    const { writeKey } = await makeTenant(ctx.db);
    const created = await createWebhook(ctx.s.api, writeKey, {
      url: PUBLIC_URL,
      events: ['users.create'],
      active: false,
    });
    const res = await ctx.s.api.patch(`/v1/webhooks/${created.id}`, {
      key: writeKey,
      body: { url: 'http://169.254.169.254/' },
    });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toBe('url');
    expect((await ctx.s.api.get(`/v1/webhooks/${created.id}`, { key: writeKey })).body.url).toBe(PUBLIC_URL);
  });
});

describe('webhook URLs are checked again at every send', () => {
  it('refuses to send to an address that is no longer allowed, with a clear error', async () => {
    const { writeKey, readKey } = await makeTenant(ctx.db);
    const receiver = await Receiver.start();
    try {
      const created = await createWebhook(ctx.s.api, writeKey, {
        url: PUBLIC_URL,
        events: ['users.create'],
        active: false,
      });
      // What a DNS change, or a row written before the rule, would leave: a loopback target.
      await ctx.db
        .update(webhookEndpoints)
        .set({ url: receiver.url, active: true })
        .where(eq(webhookEndpoints.id, created.id));
      const test = await ctx.s.api.post(`/v1/webhooks/${created.id}/test`, { key: writeKey });
      expect(test.status).toBe(202);
      const failed = await waitForDelivery(ctx.s.api, readKey, created.id, test.body.id, 'failed');
      expect(failed.attempts).toHaveLength(3);
      for (const attempt of failed.attempts) {
        expect(attempt).toMatchObject({
          status_code: null,
          error:
            'Refused: the URL must not point to a private or reserved network: 127.0.0.1 (loopback address)',
        });
      }
      expect(receiver.received).toEqual([]);
    } finally {
      await receiver.close();
    }
  });
});
