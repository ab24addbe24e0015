import { badRequest } from '../../../core/errors.js';

export const END_BEFORE_START = 'must be on or after start_date';

/** A campaign's dates (a body, or an entry as an update would leave it): end on or after start. */
export function assertDateRange(dates: object): void {
  const { start_date, end_date } = dates as Partial<Record<'start_date' | 'end_date', unknown>>;
  // YYYY-MM-DD strings compare as dates; null (or not sent) leaves the range open.
  if (typeof start_date === 'string' && typeof end_date === 'string' && end_date < start_date) {
    throw badRequest(`Invalid field 'end_date': ${END_BEFORE_START}`, [
      { path: 'end_date', message: END_BEFORE_START },
    ]);
  }
}
