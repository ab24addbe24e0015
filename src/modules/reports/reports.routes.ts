import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readErrors } from '../../core/schemas.js';
import {
  DEFAULT_REPORT_DAYS,
  MAX_REPORT_DAYS,
  PartnerReport,
  PartnerReportQuery,
} from './reports.schemas.js';
import type { ReportService } from './reports.service.js';

const tags = ['Reports'];

export const reportsRoutes: FastifyPluginAsyncZod<{ reports: ReportService }> = async (app, { reports }) => {
  app.get(
    '/reports/partners',
    {
      config: { role: 'member', foldsAuth: true },
      schema: {
        operationId: 'reportPartners',
        tags,
        summary: 'Partner report',
        description: [
          'Per partner (every company partnership of yours, with or without activity): partnership leads sent and',
          'received, deals, won deals, won and pipeline value, commission owed and paid, and the conversion rate,',
          `over \`from\`..\`to\` (UTC days, both included; default the last ${DEFAULT_REPORT_DAYS} days, at most`,
          `${MAX_REPORT_DAYS}), all from your side. Money columns sum the deals and payments in \`currency\` only.`,
          '`meta.totals` sums every matching partner, not only the page.',
        ].join(' '),
        querystring: PartnerReportQuery,
        response: { 200: PartnerReport, ...readErrors },
      },
    },
    (req) => reports.partners(req.caller, req.query),
  );
};
