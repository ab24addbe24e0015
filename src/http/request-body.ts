import fastifyCompress from '@fastify/compress';
import { safeParse as parseContentType } from 'fast-content-type-parse';
import type { FastifyInstance } from 'fastify';
import { ApiError, MESSAGES } from '../core/errors.js';

// Request bodies (API.md §1 "content type"): JSON only, UTF-8 only, at most 1 MiB once decoded.
//
// - `Content-Type: application/json`, with no charset or `charset=utf-8` (any case, quoted or
//   not); any other charset, or a header we cannot parse, is a 415. Other types are 415 too
//   (no parser is registered for them).
// - The bytes must be valid UTF-8 (a 400 otherwise): Node would replace invalid ones with U+FFFD
//   and we would store what the client never sent.
// - `Content-Encoding: gzip`, `deflate` or `br` is decoded (@fastify/compress, streaming, in
//   preParsing); the 1 MiB limit counts decoded bytes, so a small zip bomb stops at 1 MiB with
//   a 413. `identity` is the same as none; anything else (including stacked codings such as
//   `gzip, br`) is a 415. A body that does not decode is a 400.

export const BODY_LIMIT = 1024 * 1024;
const REQUEST_ENCODINGS = ['gzip', 'deflate', 'br', 'identity'] as const;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export async function registerRequestBodies(app: FastifyInstance): Promise<void> {
  // Content codings are case-insensitive (RFC 9110 §8.4.1); the plugin compares them as sent.
  app.addHook('onRequest', async (request) => {
    const coding = request.headers['content-encoding'];
    if (typeof coding === 'string') request.headers['content-encoding'] = coding.trim().toLowerCase();
  });

  await app.register(fastifyCompress, {
    // Responses stay as they are; only request bodies are decoded.
    globalCompression: false,
    globalDecompression: true,
    requestEncodings: [...REQUEST_ENCODINGS],
    onUnsupportedRequestEncoding: (encoding) =>
      new ApiError(
        'unsupported_media_type',
        `Content-Encoding '${encoding}' is not supported: send gzip, deflate, br or identity`,
      ),
  });

  // JSON is the only request body we accept: anything else is a 415.
  app.removeAllContentTypeParsers();
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // Parameters other than charset are ignored; a header that does not parse is refused.
    const { type, parameters } = parseContentType(request.headers['content-type'] ?? '');
    const charset = parameters.charset?.toLowerCase();
    if (type !== 'application/json' || (charset !== undefined && charset !== 'utf-8')) {
      done(new ApiError('unsupported_media_type', MESSAGES.contentType), undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new ApiError('bad_request', 'Request body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
