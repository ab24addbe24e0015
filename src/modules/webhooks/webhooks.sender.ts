import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkUrlSyntax, hostOf, resolveAllowed } from './webhooks.ssrf.js';

// One HTTP POST of one delivery attempt: the host resolved and checked once, the connection made
// to exactly the checked addresses, no redirect followed, a deadline over the whole exchange,
// and at most EXCERPT_BYTES of the response kept.

export const EXCERPT_BYTES = 1024;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Aborts the attempt for shutdown: the result is then `aborted`, not a failure. */
  signal: AbortSignal;
}

export interface SendResult {
  statusCode: number | null;
  excerpt: string | null;
  error: string | null;
  durationMs: number;
  /** Interrupted by our own shutdown: nothing to hold against the endpoint. */
  aborted: boolean;
}

/** A `lookup` that answers with the addresses already checked, so no second DNS query happens. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const { family } = options;
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (usable.length === 0) {
      const err: NodeJS.ErrnoException = new Error('no address of the requested family');
      err.code = 'ENOTFOUND';
      return callback(err, '');
    }
    if (options.all) return callback(null, usable);
    return callback(null, usable[0]!.address, usable[0]!.family);
  };
}

function describeError(err: NodeJS.ErrnoException, timeoutMs: number, timedOut: boolean): string {
  if (timedOut) return `Timed out after ${timeoutMs} ms`;
  const code = err.code ? ` (${err.code})` : '';
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'Connection refused (ECONNREFUSED)';
    case 'ECONNRESET':
      return 'Connection reset by the receiver (ECONNRESET)';
    default:
      return `${err.message}${err.message.includes(err.code ?? '\u0000') ? '' : code}`;
  }
}

export async function sendWebhook(req: SendRequest): Promise<SendResult> {
  const started = performance.now();
  const result = (r: Partial<SendResult>): SendResult => ({
    statusCode: null,
    excerpt: null,
    error: null,
    aborted: false,
    ...r,
    durationMs: Math.round(performance.now() - started),
  });
  const syntax = checkUrlSyntax(req.url);
  if (!syntax.ok) return result({ error: `Refused: the URL ${syntax.reason}` });
  const { url } = syntax;

  const deadline = AbortSignal.timeout(req.timeoutMs);
  const signal = AbortSignal.any([req.signal, deadline]);
  const resolved = await Promise.race([
    resolveAllowed(hostOf(url), req.allowPrivateNetworks),
    new Promise<undefined>((resolve) =>
      signal.addEventListener('abort', () => resolve(undefined), { once: true }),
    ),
  ]);
  if (!resolved) {
    return req.signal.aborted
      ? result({ aborted: true })
      : result({ error: `Timed out after ${req.timeoutMs} ms resolving '${hostOf(url)}'` });
  }
  if (!resolved.ok) return result({ error: `Refused: the URL ${resolved.reason}` });

  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: Partial<SendResult>) => {
      if (settled) return;
      settled = true;
      resolve(result(r));
    };
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(url, {
      method: 'POST',
      headers: {
        ...req.headers,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(req.body)),
        'user-agent': 'Journeybee-Webhooks/1',
      },
      // A fresh connection per attempt: no pooled socket outlives the address check it passed.
      agent: false,
      lookup: pinnedLookup(resolved.addresses),
      signal,
    });
    request.on('response', (res) => {
      const statusCode = res.statusCode ?? null;
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => finish({ statusCode, excerpt: Buffer.concat(chunks).toString('utf8') || null });
      res.on('data', (chunk: Buffer) => {
        if (size < EXCERPT_BYTES) chunks.push(chunk.subarray(0, EXCERPT_BYTES - size));
        size += chunk.length;
        // Enough read: the rest of the body is not ours to wait for.
        if (size >= EXCERPT_BYTES) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      // The deadline or our shutdown cut the body short: the status code is what counts.
      res.on('error', done);
      res.on('close', done);
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (req.signal.aborted) return finish({ aborted: true });
      finish({ error: describeError(err, req.timeoutMs, deadline.aborted) });
    });
    request.end(req.body);
  });
}
