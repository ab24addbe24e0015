import { createHash } from 'node:crypto';
import { and, eq, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../core/errors.js';
import type { ResponseRecorder } from '../core/idempotency.js';
import type { Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { idempotencyKeys } from '../db/schema/index.js';
import { stableStringify } from '../lib/json.js';
import type { SecretBox } from '../lib/secret-box.js';

// `Idempotency-Key` on POST: the first request with a key reserves it; its response (any
// status below 500) is stored and replayed for 24 h to retries with the same key and body.
// A 5xx frees the key so the client can retry (a 503 of a database outage: once the database
// is back, unless the request's own write stored its response). A key whose request died mid-way stays
// reserved until it expires: we cannot know whether its work committed, and a second
// lead is worse than a 409. A command that stores its response in its own write statement
// (`request.idempotency.storeResponse`, core/idempotency.ts) closes that gap: its retry replays
// after such a crash too, and the onSend hook has nothing left to store.
// Stored responses are encrypted: some carry a secret shown once (a webhook's `whsec_…`).

export const IDEMPOTENCY_TTL_HOURS = 24;
/** A 5xx whose key could not be freed (the database was gone): tried again this often, this long. */
const FREE_RETRY_MS = 1_000;
const FREE_RETRY_FOR_MS = 15 * 60_000;
const MAX_KEY_LENGTH = 255;

/** Whose keys: an API key's, or (the console) a session's. */
type Owner = { apiKeyId: number; sessionId?: undefined } | { sessionId: number; apiKeyId?: undefined };

interface Reservation extends ResponseRecorder {
  owner: Owner;
  key: string;
  box: SecretBox;
  /** What storeResponse put in the request's write: onSend skips its own write when it sends this. */
  stored?: { status: number; text: string } | undefined;
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
      storeResponse: (status, body, onlyIf) => responseStatement(reservation, status, body, onlyIf),
    };
    request.idempotency = reservation;
  }

  async function record(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const reservation = request.idempotency;
    if (!reservation) return payload;
    request.idempotency = undefined;
    const where = reservationRow(reservation);
    if (reply.statusCode >= 500) {
      await free(reservation);
      return payload;
    }
    // Already stored by the request's own write statement, these very bytes: nothing to do. (Had
    // that statement failed, the reply would not be the one it stored.)
    const { stored } = reservation;
    if (stored && stored.status === reply.statusCode && stored.text === payload) return payload;
    const body = typeof payload === 'string' && payload.length > 0 ? await box.encrypt(payload) : null;
    await db
      .update(idempotencyKeys)
      .set({ response_status: reply.statusCode, response_body: body })
      .where(where);
    return payload;
  }

  /**
   * A 5xx frees the key, unless the request's own write stored its response (it committed: the
   * retry replays it). When the database is gone (the 5xx is the outage's 503), the key is freed
   * once it is back: left reserved, every retry would be told "still being processed" for 24 h.
   */
  async function free(reservation: Reservation, since = Date.now()): Promise<void> {
    try {
      await db
        .delete(idempotencyKeys)
        .where(and(reservationRow(reservation), isNull(idempotencyKeys.response_status)));
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() - since > FREE_RETRY_FOR_MS) throw err;
      setTimeout(() => void free(reservation, since).catch(() => {}), FREE_RETRY_MS).unref();
    }
  }

  return { reserve, record };
}

/**
 * The response of a reserved request as an `UPDATE` for the write statement that does its work
 * (a data-modifying CTE). The body is serialized as Fastify's serializer does (`JSON.stringify`
 * of the schema's output): the onSend hook compares the bytes it sends and stores them itself
 * should they differ.
 */
async function responseStatement(
  reservation: Reservation,
  status: number,
  body: unknown,
  onlyIf: SQL = sql`true`,
): Promise<SQL> {
  const text = JSON.stringify(body);
  const encrypted = await reservation.box.encrypt(text);
  reservation.stored = { status, text };
  return sql`UPDATE ${idempotencyKeys} SET response_status = ${status}, response_body = ${encrypted}
    WHERE ${reservationRow(reservation)} AND ${onlyIf}`;
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
