import { createHash } from 'node:crypto';
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../core/errors.js';
import type { Db, Executor } from '../db/database.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { stableStringify } from '../lib/json.js';
import type { SecretBox } from '../lib/secret-box.js';

// `Idempotency-Key` on POST: the first request with a key reserves it; its response (any
// status below 500) is stored and replayed for 24 h to retries with the same key and body.
// A 5xx frees the key so the client can retry. A key whose request died mid-way stays
// reserved until it expires: we cannot know whether its work committed, and a second
// lead is worse than a 409. A route that records its response in the transaction doing the
// work (recordResponseInTransaction) closes that gap: its retry replays after such a crash too.
// Stored responses are encrypted: some carry a secret shown once (a webhook's `whsec_…`).

export const IDEMPOTENCY_TTL_HOURS = 24;
const MAX_KEY_LENGTH = 255;

/** Whose keys: an API key's, or (the console) a session's. */
type Owner = { apiKeyId: number; sessionId?: undefined } | { sessionId: number; apiKeyId?: undefined };

interface Reservation {
  owner: Owner;
  key: string;
  box: SecretBox;
  /**
   * Stores the response in the transaction that does the request's work (a create), so that a
   * crash after the commit and before the reply still replays it to the retry. Modules call it
   * as `request.idempotency?.recordIn(tx, 201, body)` without importing the HTTP layer.
   */
  recordIn(tx: Executor, status: number, body: unknown): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotency?: Reservation;
  }
}

const ownedBy = (owner: Owner) =>
  owner.apiKeyId !== undefined
    ? eq(idempotencyKeys.api_key_id, owner.apiKeyId)
    : eq(idempotencyKeys.session_id, owner.sessionId);

const ownerColumns = (owner: Owner) =>
  owner.apiKeyId !== undefined ? { api_key_id: owner.apiKeyId } : { session_id: owner.sessionId };

function ownerOf(request: FastifyRequest): Owner {
  const { keyId, sessionId } = request.auth;
  if (keyId !== null) return { apiKeyId: keyId };
  if (sessionId !== null) return { sessionId };
  throw new Error('an authenticated request has neither an API key nor a session');
}

const reservationRow = (r: Reservation) => and(ownedBy(r.owner), eq(idempotencyKeys.key, r.key));

function requestHash(request: FastifyRequest): string {
  // /api/v1/x and /v1/x are the same endpoint, so the same request.
  const path = (request.url.split('?')[0] ?? '').replace(/^\/api\/v1\//, '/v1/');
  return createHash('sha256')
    .update(`${request.method} ${path}\n${stableStringify(request.body ?? null)}`)
    .digest('hex');
}

export function idempotencyHooks(db: Db, box: SecretBox) {
  async function reserve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > MAX_KEY_LENGTH) {
      throw new ApiError('bad_request', `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
    const owner = ownerOf(request);
    const hash = requestHash(request);

    const inserted = await db
      .insert(idempotencyKeys)
      .values({ ...ownerColumns(owner), key, request_hash: hash })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (inserted.length === 0) {
      // Take over an expired reservation; otherwise answer from the stored one.
      const taken = await db
        .update(idempotencyKeys)
        .set({ request_hash: hash, response_status: null, response_body: null, created_at: sql`now()` })
        .where(
          and(
            ownedBy(owner),
            eq(idempotencyKeys.key, key),
            lt(idempotencyKeys.created_at, sql`now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`),
          ),
        )
        .returning({ key: idempotencyKeys.key });
      if (taken.length === 0) {
        const [stored] = await db
          .select()
          .from(idempotencyKeys)
          .where(and(ownedBy(owner), eq(idempotencyKeys.key, key)));
        if (!stored) throw new ApiError('conflict', 'Idempotency-Key is being reused concurrently; retry');
        if (stored.request_hash !== hash) {
          throw new ApiError(
            'conflict',
            'Idempotency-Key was already used with a different request; use a new key for a new request',
          );
        }
        if (stored.response_status === null) {
          throw new ApiError('conflict', 'A request with this Idempotency-Key is still being processed');
        }
        reply
          .code(stored.response_status)
          .header('Idempotent-Replayed', 'true')
          .type('application/json; charset=utf-8');
        return reply.send(stored.response_body === null ? '' : await box.decrypt(stored.response_body));
      }
    }
    const reservation: Reservation = {
      owner,
      key,
      box,
      recordIn: (tx, status, body) => recordResponseInTransaction(tx, reservation, status, body),
    };
    request.idempotency = reservation;
  }

  async function record(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const reservation = request.idempotency;
    if (!reservation) return payload;
    request.idempotency = undefined;
    const where = reservationRow(reservation);
    if (reply.statusCode >= 500) {
      await db.delete(idempotencyKeys).where(where);
      return payload;
    }
    const body = typeof payload === 'string' && payload.length > 0 ? await box.encrypt(payload) : null;
    await db
      .update(idempotencyKeys)
      .set({ response_status: reply.statusCode, response_body: body })
      .where(where);
    return payload;
  }

  return { reserve, record };
}

/**
 * Stores the response of a reserved request in the transaction that does its work, rather than
 * leaving the key reserved until it expires after a crash. The onSend hook then stores the exact
 * bytes sent, as for any request.
 */
async function recordResponseInTransaction(
  tx: Executor,
  reservation: Reservation,
  status: number,
  body: unknown,
): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ response_status: status, response_body: await reservation.box.encrypt(JSON.stringify(body)) })
    .where(reservationRow(reservation));
}

/** Deletes expired rows; called periodically by the server. */
export async function purgeExpiredIdempotencyKeys(db: Db): Promise<number> {
  const rows = await db
    .delete(idempotencyKeys)
    .where(
      and(
        lt(idempotencyKeys.created_at, sql`now() - make_interval(hours => ${IDEMPOTENCY_TTL_HOURS})`),
        isNotNull(idempotencyKeys.created_at),
      ),
    )
    .returning({ key: idempotencyKeys.key });
  return rows.length;
}
