import type { SQL } from 'drizzle-orm';

/**
 * What a command needs of a request's `Idempotency-Key` reservation (src/http/idempotency.ts,
 * `request.idempotency`) to store its response in its own write statement, so that the work and
 * the response commit together: a crash after the commit still replays the response.
 */
export interface ResponseRecorder {
  /**
   * The statement storing `body` (serialized as the response will be sent) with `status`, for the
   * command's write as a data-modifying CTE: `WITH …, stored AS (${await recorder.storeResponse(201, body)})`.
   * When the request then answers with exactly these bytes, nothing stores them again.
   * `onlyIf`: a condition of the write (e.g. `EXISTS (SELECT 1 FROM lead)`) without which the
   * work did not happen, so neither is its response stored.
   */
  storeResponse(status: number, body: unknown, onlyIf?: SQL): Promise<SQL>;
}
