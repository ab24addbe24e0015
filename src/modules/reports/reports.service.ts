import type { RequestCaller } from '../../core/auth-context.js';
import { FieldProblems } from '../../core/field-problems.js';
import { type Page, pageMeta } from '../../core/pagination.js';
import type { Db } from '../../db/database.js';
import { partnerReport } from './reports.reads.js';
import {
  DEFAULT_REPORT_DAYS,
  MAX_REPORT_DAYS,
  type PartnerReportInput,
  type PartnerReportOut,
  REPORT_MESSAGES,
  type ReportSort,
} from './reports.schemas.js';

const DAY_MS = 86_400_000;
const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const dayText = (at: Date) => at.toISOString().slice(0, 10);

/** The range's days (inclusive, UTC): the defaults filled, checked. */
export function reportRange(q: { from?: string | undefined; to?: string | undefined }, now = new Date()) {
  const to = q.to ?? dayText(now);
  const from = q.from ?? dayText(new Date(dayStart(to).getTime() - (DEFAULT_REPORT_DAYS - 1) * DAY_MS));
  const problems = new FieldProblems('querystring');
  const days = (dayStart(to).getTime() - dayStart(from).getTime()) / DAY_MS + 1;
  if (days < 1) problems.add(['from'], REPORT_MESSAGES.fromAfterTo);
  else if (days > MAX_REPORT_DAYS) problems.add(['to'], REPORT_MESSAGES.tooLong);
  problems.throwIfAny();
  return { from, to, start: dayStart(from), until: new Date(dayStart(to).getTime() + DAY_MS) };
}

export class ReportService {
  constructor(private readonly db: Db) {}

  /** One statement, the API key's verification included (see readAsCaller). */
  async partners(caller: RequestCaller, q: PartnerReportInput & Page): Promise<PartnerReportOut> {
    const range = reportRange(q);
    const report = await partnerReport(
      this.db,
      caller.source,
      { partnerType: q.partner_type, search: q.search },
      { from: range.start, until: range.until, currency: q.currency },
      { by: q.sort.replace(/^-/, '') as ReportSort, descending: q.sort.startsWith('-') },
      q,
    );
    await caller.accept(report.found);
    return {
      data: report.rows,
      meta: {
        ...pageMeta(report.total, q.pageSize),
        from: range.from,
        to: range.to,
        currency: report.currency ?? q.currency ?? '',
        totals: report.totals,
      },
    };
  }
}
