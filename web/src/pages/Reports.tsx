import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok, type Schemas } from '../api/client';
import type { paths } from '../api/schema';
import { Pill } from '../components/Badges';
import { SelectField, TextField } from '../components/Field';
import { Empty, Loading, Page, TableScroll } from '../components/Page';
import { Pagination } from '../components/Pagination';
import { capitalize } from '../lib/format';
import { useLoad } from '../lib/hooks';
import type { ReportChart } from '../lib/report-chart';

type Row = Schemas['PartnerReportRow'];
type ReportQuery = NonNullable<paths['/v1/reports/partners']['get']['parameters']['query']>;
const PAGE_SIZE = 20;
const SORTS = [
  ['-won_value', 'Won value, highest first'],
  ['-pipeline_value', 'Pipeline value, highest first'],
  ['-commission_owed', 'Commission owed, highest first'],
  ['-commission_paid', 'Commission paid, highest first'],
  ['-conversion_rate', 'Conversion, highest first'],
  ['-leads_sent', 'Leads sent, most first'],
  ['-leads_received', 'Leads received, most first'],
  ['-deals', 'Deals, most first'],
  ['-won_deals', 'Won deals, most first'],
  ['partner_name', 'Partner A–Z'],
  ['-partner_name', 'Partner Z–A'],
] as const;
const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY', 'INR', 'BRL', 'SEK'];
const FILTER_KEYS = ['from', 'to', 'currency', 'partner_type', 'sort'];

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const amount = (value: string, currency: string) => `${value} ${currency}`;

/**
 * The chart of the rows shown: won value and commission per partner. Its text alternative is the
 * table below it (the same numbers); the canvas itself is an image with a summary.
 */
function WonValueChart({ rows, currency }: { rows: Row[]; currency: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ReportChart | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  const labels = rows.map((r) => r.partner.name);
  const series = [
    { label: 'Won value', color: '#f5b301', values: rows.map((r) => Number(r.won_value)) },
    { label: 'Commission owed', color: '#9aa1ab', values: rows.map((r) => Number(r.commission_owed)) },
    { label: 'Commission paid', color: '#1f2937', values: rows.map((r) => Number(r.commission_paid)) },
  ];
  useEffect(() => {
    let live = true;
    if (chart.current) chart.current.update(labels, series, currency);
    else
      import('../lib/report-chart').then(
        ({ drawReportChart }) => {
          if (live && canvas.current && !chart.current)
            chart.current = drawReportChart(canvas.current, labels, series, currency);
        },
        () => live && setFailed(true),
      );
    return () => {
      live = false;
    };
  }, [JSON.stringify([labels, series, currency])]);
  useEffect(() => () => chart.current?.destroy(), []);
  if (failed) return null;
  return (
    <figure class="card report-chart">
      <div class="report-chart-canvas">
        <canvas
          ref={canvas}
          role="img"
          aria-label={`Bar chart of won value and commission (${currency}) per partner on this page; the table below has the same numbers.`}
          data-testid="report-chart"
        />
      </div>
      <figcaption class="muted small">Won value and commission per partner, in {currency}.</figcaption>
    </figure>
  );
}

export function Reports() {
  const { query, route, url } = useLocation();
  const page = Math.max(1, Number(query.page) || 1);

  const setQuery = (changes: Record<string, string | undefined>, keepPage = false) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...changes })) {
      if (v && (k !== 'page' || keepPage)) next.set(k, v);
    }
    const qs = next.toString();
    route(`/reports${qs ? `?${qs}` : ''}`);
  };

  const report = useLoad(
    () =>
      ok(
        api.GET('/v1/reports/partners', {
          params: {
            query: {
              page,
              pageSize: PAGE_SIZE,
              ...(query.from ? { from: query.from } : {}),
              ...(query.to ? { to: query.to } : {}),
              ...(query.currency ? { currency: query.currency } : {}),
              ...(query.partner_type
                ? { partner_type: query.partner_type as NonNullable<ReportQuery['partner_type']> }
                : {}),
              ...(query.sort ? { sort: query.sort as NonNullable<ReportQuery['sort']> } : {}),
            },
          },
        }),
      ),
    [url],
  );
  const meta = report.data?.meta;
  const currency = meta?.currency ?? query.currency ?? '';
  const currencies = [...new Set([currency, ...CURRENCIES].filter(Boolean))];
  const filtered = FILTER_KEYS.some((k) => query[k]);
  const totals = meta?.totals;

  return (
    <Page title="Reports">
      <h2>Partners</h2>
      <form class="filters" aria-label="Report" onSubmit={(e) => e.preventDefault()}>
        <div class="filters-more-grid report-filters">
          <TextField
            label="From"
            type="date"
            name="from"
            value={query.from ?? meta?.from ?? ''}
            onChange={(e) => setQuery({ from: e.currentTarget.value })}
          />
          <TextField
            label="To"
            type="date"
            name="to"
            value={query.to ?? meta?.to ?? ''}
            onChange={(e) => setQuery({ to: e.currentTarget.value })}
          />
          <SelectField
            label="Currency"
            name="currency"
            value={currency}
            onChange={(e) => setQuery({ currency: e.currentTarget.value })}
          >
            {currencies.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </SelectField>
          <SelectField
            label="Partner type"
            name="partner_type"
            value={query.partner_type ?? ''}
            onChange={(e) => setQuery({ partner_type: e.currentTarget.value })}
          >
            <option value="">All types</option>
            <option value="referral">Referral</option>
            <option value="reseller">Reseller</option>
          </SelectField>
          <SelectField
            label="Sort"
            name="sort"
            value={query.sort ?? '-won_value'}
            onChange={(e) => setQuery({ sort: e.currentTarget.value })}
          >
            {SORTS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </SelectField>
        </div>
        {filtered && (
          <a class="button button-quiet filters-clear" href="/reports">
            Last 30 days
          </a>
        )}
      </form>

      {report.error && (
        <div class="alert alert-error" role="alert">
          {report.error}
        </div>
      )}
      {report.loading && !report.data && <Loading label="Loading the report…" />}
      {report.data && report.data.data.length === 0 && (
        <Empty>
          <p>No partners yet.</p>
          <p>
            Invite one on the <a href="/partners">Partners</a> page: every partnership gets a row here.
          </p>
        </Empty>
      )}
      {report.data && meta && totals && report.data.data.length > 0 && (
        <>
          <p class="muted" data-testid="report-summary">
            {meta.from} to {meta.to}: {totals.won_deals} won of {totals.deals} deals,{' '}
            {amount(totals.won_value, currency)} won, {amount(totals.commission_owed, currency)} commission
            owed, {amount(totals.commission_paid, currency)} paid.
          </p>
          <WonValueChart rows={report.data.data} currency={currency} />
          <TableScroll label="Partner report">
            <table class="table report-table">
              <caption class="visually-hidden">
                Per partner, {meta.from} to {meta.to}, money in {currency}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col" class="num">
                    Leads sent
                  </th>
                  <th scope="col" class="num">
                    Leads received
                  </th>
                  <th scope="col" class="num">
                    Deals
                  </th>
                  <th scope="col" class="num">
                    Won
                  </th>
                  <th scope="col" class="num">
                    Won value
                  </th>
                  <th scope="col" class="num">
                    Pipeline
                  </th>
                  <th scope="col" class="num">
                    Commission owed
                  </th>
                  <th scope="col" class="num">
                    Commission paid
                  </th>
                  <th scope="col" class="num">
                    Conversion
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.data.data.map((r) => (
                  <tr key={r.partner.id} data-testid="report-row">
                    <th scope="row">
                      <div class="strong">{r.partner.name}</div>
                      <div class="muted small">
                        {capitalize(r.partner.partner_type)}
                        {r.partner.status !== 'accepted' && (
                          <>
                            {' '}
                            <Pill tone="neutral">{capitalize(r.partner.status)}</Pill>
                          </>
                        )}
                      </div>
                    </th>
                    <td class="num">{r.leads_sent}</td>
                    <td class="num">{r.leads_received}</td>
                    <td class="num">{r.deals}</td>
                    <td class="num">{r.won_deals}</td>
                    <td class="num nowrap">{r.won_value}</td>
                    <td class="num nowrap">{r.pipeline_value}</td>
                    <td class="num nowrap">{r.commission_owed}</td>
                    <td class="num nowrap">{r.commission_paid}</td>
                    <td class="num">{percent.format(r.conversion_rate)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">All partners</th>
                  <td class="num">{totals.leads_sent}</td>
                  <td class="num">{totals.leads_received}</td>
                  <td class="num">{totals.deals}</td>
                  <td class="num">{totals.won_deals}</td>
                  <td class="num nowrap">{totals.won_value}</td>
                  <td class="num nowrap">{totals.pipeline_value}</td>
                  <td class="num nowrap">{totals.commission_owed}</td>
                  <td class="num nowrap">{totals.commission_paid}</td>
                  <td class="num">{percent.format(totals.conversion_rate)}</td>
                </tr>
              </tfoot>
            </table>
          </TableScroll>
          <Pagination
            meta={meta}
            page={page}
            noun={['partner', 'partners']}
            onPage={(p) => setQuery({ page: String(p) }, true)}
          />
        </>
      )}
    </Page>
  );
}
