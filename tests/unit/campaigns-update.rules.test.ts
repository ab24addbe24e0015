import { describe, expect, it } from 'vitest';
import { assertDateRange } from '../../src/modules/catalogues/campaigns/campaigns.rules.js';

// A campaign's date range (create, and update against the stored dates), without a database.

describe('campaigns: end on or after start', () => {
  it.each([
    [{ start_date: '2025-01-01', end_date: '2025-01-01' }],
    [{ start_date: '2025-01-01', end_date: '2025-12-31' }],
    [{ start_date: '2025-01-01', end_date: null }],
    [{ start_date: null, end_date: '2025-01-01' }],
    [{ end_date: '2025-01-01' }],
    [{}],
  ])('accepts %j', (dates) => {
    expect(() => assertDateRange(dates)).not.toThrow();
  });

  it('refuses an end before the start, naming end_date', () => {
    expect(() => assertDateRange({ start_date: '2025-02-01', end_date: '2025-01-31' })).toThrow(
      expect.objectContaining({
        status: 400,
        message: "Invalid field 'end_date': must be on or after start_date",
        details: [{ path: 'end_date', message: 'must be on or after start_date' }],
      }),
    );
  });
});
