import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, csrfTokenForUpload, ok, type Schemas } from '../api/client';
import { SelectField } from '../components/Field';
import { assignmentQuery } from '../components/Filters';
import { Page, TableScroll } from '../components/Page';
import { useLoad } from '../lib/hooks';
import { useSignedIn } from '../session';

// Leads → Import / Export: the CSV export of the leads the list shows (its filters come along
// in the query), and the CSV import: pick a file, check how its columns map (the server's
// automatic mapping, from a dry run), run a dry run for the report by row and column, then
// import. The upload goes through XMLHttpRequest for its upload progress (fetch has none).

type Report = Schemas['LeadImportReport'];
type Done = Schemas['LeadImportDone'];

/** What a column can fill (the import's targets), with the lead custom fields added per company. */
const TARGETS: [string, string][] = [
  ['email', 'Email'],
  ['first_name', 'First name'],
  ['last_name', 'Last name'],
  ['company_name', 'Company name'],
  ['phone_number', 'Phone number'],
  ['status', 'Status'],
  ['source', 'Source'],
  ['associationType', 'Association type'],
  ['campaign', 'Campaign (by title)'],
  ['companyCampaignId', 'Campaign id'],
  ['partnership_id', 'Partnership id'],
  ['tags', 'Tags (labels, ";" between)'],
];

/** The list filters of GET /v1/leads, from the Leads page's query, for the export. */
const FILTERS = ['search', 'status', 'view', 'tags', 'created_after', 'created_before'] as const;

interface Upload {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs the file with upload progress (0–1), then waits for the answer. */
function upload(url: string, file: File, onProgress: (sent: number) => void): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'text/csv; charset=utf-8');
    const token = csrfTokenForUpload();
    if (token) xhr.setRequestHeader('X-CSRF-Token', token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => onProgress(1);
    xhr.onload = () => {
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(xhr.responseText) as Record<string, unknown>;
      } catch {
        body = { error: `The server answered ${xhr.status}` };
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('Cannot reach the server. Check your connection and try again.'));
    xhr.send(file);
  });
}

/** The header row of a CSV file (from its first 64 KiB), or none when it does not parse. */
async function headerRow(file: File): Promise<string[]> {
  try {
    const text = await file.slice(0, 64 * 1024).text();
    // The parser is loaded with the first file (its own chunk): the first page stays small.
    const { parse } = await import('csv-parse/browser/esm/sync');
    const [header] = parse(text, { bom: true, to_line: 1, relax_quotes: true }) as string[][];
    return header ?? [];
  } catch {
    return [];
  }
}

type Phase =
  | { kind: 'idle' }
  | { kind: 'uploading'; sent: number }
  | { kind: 'processing' }
  | { kind: 'finished' };

export function ImportLeads() {
  const { user } = useSignedIn();
  const { query } = useLocation();
  const fields = useLoad(
    () => ok(api.GET('/v1/custom-fields', { params: { query: { category: 'lead', pageSize: 50 } } })),
    [],
  );

  const exportQuery = new URLSearchParams();
  for (const key of FILTERS) if (query[key]) exportQuery.set(key, query[key]);
  for (const [k, v] of Object.entries(assignmentQuery(query.assignment ?? '', user.id)))
    exportQuery.set(k, String(v));
  const filtered = exportQuery.toString() !== '';
  const exportHref = `/v1/leads/export.csv${filtered ? `?${exportQuery}` : ''}`;

  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [report, setReport] = useState<Report | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const busy = phase.kind === 'uploading' || phase.kind === 'processing';

  const targets: [string, string][] = [
    ...TARGETS,
    ...(fields.data?.data ?? []).map(
      (f) => [`custom:${f.label}`, `Custom field: ${f.label}`] as [string, string],
    ),
  ];

  /** A dry run (or the import) of the chosen file with the mapping shown (none: the automatic one). */
  async function send(dryRun: boolean, withMapping: Record<string, string> | null, chosen = file) {
    if (!chosen) return;
    setError(null);
    setDone(null);
    setPhase({ kind: 'uploading', sent: 0 });
    const params = new URLSearchParams({ dry_run: String(dryRun) });
    if (withMapping) {
      const json = Object.fromEntries(Object.entries(withMapping).map(([h, t]) => [h, t || null]));
      params.set('mapping', JSON.stringify(json));
    }
    try {
      const res = await upload(`/v1/leads/import?${params}`, chosen, (sent) =>
        setPhase(sent < 1 ? { kind: 'uploading', sent } : { kind: 'processing' }),
      );
      const body = res.body;
      if ('errors' in body) {
        const r = body as unknown as Report;
        setReport(r);
        setMapping(Object.fromEntries(Object.entries(r.columns).map(([h, t]) => [h, t ?? ''])));
      }
      if (res.status === 201) {
        setDone(body as unknown as Done);
        setReport(null);
      } else if (res.status >= 400) {
        setError(String(body.error ?? `The server answered ${res.status}`));
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : 'Something went wrong');
    } finally {
      setPhase({ kind: 'finished' });
    }
  }

  const onFile = async (event: Event) => {
    const chosen = (event.currentTarget as HTMLInputElement).files?.[0] ?? null;
    setFile(chosen);
    setReport(null);
    setDone(null);
    if (!chosen) return;
    // A corrected file keeps the columns already mapped: its header row is read here (the rest
    // of the file only by the server); the server maps the other columns by itself, and its
    // dry run shows that mapping and its report.
    const kept = Object.fromEntries(
      (await headerRow(chosen)).filter((h) => h in mapping).map((h) => [h, mapping[h] ?? '']),
    );
    void send(true, Object.keys(kept).length > 0 ? kept : null, chosen);
  };

  const headers = Object.keys(mapping);
  const shownErrors = report?.errors.slice(0, 200) ?? [];

  return (
    <Page title="Import / Export leads">
      <div class="stack">
        <section class="card" aria-labelledby="export-heading">
          <h2 id="export-heading">Export</h2>
          <p>
            A CSV file (UTF-8, for spreadsheets) of{' '}
            {filtered ? 'the leads that match the filters of the Leads page' : 'all your leads'}, with a
            column for each custom field.
          </p>
          <a class="button" href={exportHref} download>
            Export CSV
          </a>
        </section>

        <section class="card stack" aria-labelledby="import-heading">
          <h2 id="import-heading">Import</h2>
          <p>
            A CSV file with a header row, at most 50,000 rows and 20 MiB. Every row must pass the same checks
            as a new lead: if one fails, nothing is imported.
          </p>
          <div class="field">
            <label for="csv-file">CSV file</label>
            <input
              id="csv-file"
              type="file"
              accept=".csv,text/csv"
              onChange={(e) => void onFile(e)}
              disabled={busy}
            />
          </div>

          {phase.kind !== 'idle' && (
            <p class="import-progress">
              <progress
                max={100}
                value={
                  phase.kind === 'processing'
                    ? undefined
                    : phase.kind === 'uploading'
                      ? Math.round(phase.sent * 100)
                      : 100
                }
                aria-label="Import progress"
              />{' '}
              <span>
                {phase.kind === 'uploading'
                  ? `Uploading ${file?.name ?? 'the file'}: ${Math.round(phase.sent * 100)} %`
                  : phase.kind === 'processing'
                    ? 'Checking the rows…'
                    : 'Done'}
              </span>
            </p>
          )}

          {error && (
            <div class="alert alert-error" role="alert">
              {error}
            </div>
          )}

          {headers.length > 0 && (
            <>
              <h3>Columns</h3>
              <TableScroll label="Column mapping">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">CSV column</th>
                      <th scope="col">Imported as</th>
                    </tr>
                  </thead>
                  <tbody>
                    {headers.map((h) => (
                      <tr key={h}>
                        <td>{h}</td>
                        <td>
                          <SelectField
                            label={`Field for column ${h}`}
                            hideLabel
                            value={mapping[h] ?? ''}
                            disabled={busy}
                            onChange={(e) => setMapping({ ...mapping, [h]: e.currentTarget.value })}
                          >
                            <option value="">Ignore this column</option>
                            {targets.map(([value, label]) => (
                              <option key={value} value={value}>
                                {label}
                              </option>
                            ))}
                          </SelectField>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
              <div class="actions actions-start">
                <button type="button" class="button" disabled={busy} onClick={() => void send(true, mapping)}>
                  Dry run
                </button>
                <button
                  type="button"
                  class="button button-primary"
                  disabled={busy}
                  onClick={() => void send(false, mapping)}
                >
                  Import
                </button>
              </div>
            </>
          )}

          {report && (
            <section aria-labelledby="report-heading" aria-live="polite">
              <h3 id="report-heading">{report.dry_run ? 'Dry run' : 'Import refused'}</h3>
              <p>
                {report.rows} rows: {report.valid} valid, {report.invalid} with problems
                {report.invalid === 0 && report.dry_run ? ' — ready to import.' : '.'}
              </p>
              {shownErrors.length > 0 && (
                <TableScroll label="Problems">
                  <table class="table">
                    <thead>
                      <tr>
                        <th scope="col">Row</th>
                        <th scope="col">Column</th>
                        <th scope="col">Problem</th>
                      </tr>
                    </thead>
                    <tbody>
                      {shownErrors.map((e, i) => (
                        <tr key={`${e.row}-${i}`}>
                          <td>{e.row}</td>
                          <td>{e.column ?? e.field ?? '—'}</td>
                          <td>{e.error}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableScroll>
              )}
              {report.errors.length > shownErrors.length && (
                <p class="muted">…and {report.errors.length - shownErrors.length} more problems.</p>
              )}
            </section>
          )}

          {done && (
            <output class="alert alert-success">
              Imported {done.imported} leads. <a href="/leads">See the leads</a>
            </output>
          )}
        </section>
      </div>
    </Page>
  );
}
