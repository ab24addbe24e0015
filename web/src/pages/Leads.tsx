import { useLocation } from 'preact-iso';
import { api, ok } from '../api/client';
import { StatusBadge, TagChip } from '../components/Badges';
import { SelectField, TextField } from '../components/Field';
import { AssignmentFilter, assignmentQuery, TagFilter } from '../components/Filters';
import { Empty, Loading, Page, TableScroll } from '../components/Page';
import { Pagination } from '../components/Pagination';
import { formatDate, personName } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { LEAD_STATUSES, leadTitle, partnerLabel, STATUS_LABELS } from '../lib/leads';
import { useSignedIn } from '../session';

const PAGE_SIZE = 20;
const VIEWS = [
  ['', 'All leads'],
  ['received', 'Received from partners'],
  ['sent', 'Sent to partners'],
  ['reseller', 'Reseller'],
  ['campaigns', 'Campaigns'],
] as const;
const SORTS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
  ['company_name', 'Company A–Z'],
  ['-company_name', 'Company Z–A'],
] as const;
const FILTER_KEYS = [
  'search',
  'status',
  'view',
  'tags',
  'assignment',
  'created_after',
  'created_before',
  'sort',
];

type View = 'received' | 'sent' | 'reseller' | 'campaigns';
type Sort = (typeof SORTS)[number][0];

export function Leads() {
  const { user } = useSignedIn();
  const { query, route, url } = useLocation();
  const page = Math.max(1, Number(query.page) || 1);

  const setQuery = (changes: Record<string, string | undefined>, keepPage = false) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...changes })) {
      if (v && (k !== 'page' || keepPage)) next.set(k, v);
    }
    const qs = next.toString();
    route(`/leads${qs ? `?${qs}` : ''}`);
  };

  const assignment = query.assignment ?? '';
  const leads = useLoad(
    () =>
      ok(
        api.GET('/v1/leads', {
          params: {
            query: {
              page,
              pageSize: PAGE_SIZE,
              ...(query.search ? { search: query.search } : {}),
              ...(query.status ? { status: query.status } : {}),
              ...(query.view ? { view: query.view as View } : {}),
              ...(query.tags ? { tags: query.tags } : {}),
              ...assignmentQuery(assignment, user.id),
              ...(query.created_after ? { created_after: query.created_after } : {}),
              ...(query.created_before ? { created_before: query.created_before } : {}),
              ...(query.sort ? { sort: query.sort as Sort } : {}),
            },
          },
        }),
      ),
    [url],
  );
  const tags = useLoad(
    () => ok(api.GET('/v1/tags', { params: { query: { association: 'lead', pageSize: 50 } } })),
    [],
  );

  const onSearch = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setQuery({ search: String(data.get('search') ?? '').trim() || undefined });
  };
  const filtered = FILTER_KEYS.some((k) => query[k]);
  const activeFilters = FILTER_KEYS.filter((k) => k !== 'search' && k !== 'sort' && query[k]).length;
  // On a phone the filters fold away under their summary; on a wider screen they are all shown.
  const wide = typeof matchMedia === 'function' && matchMedia('(min-width: 721px)').matches;

  return (
    <Page
      title="Leads"
      actions={
        <>
          {/* The filters come along: the export there is of the leads shown here. */}
          <a class="button" href={`/leads/import${url.includes('?') ? url.slice(url.indexOf('?')) : ''}`}>
            Import / Export
          </a>
          <a class="button button-primary" href="/leads/new">
            New lead
          </a>
        </>
      }
    >
      <form class="filters" onSubmit={onSearch} aria-label="Leads">
        <div class="filters-search">
          <TextField
            label="Search"
            name="search"
            type="search"
            defaultValue={query.search ?? ''}
            key={query.search ?? ''}
            placeholder="Company, email, phone or name"
          />
          <button type="submit" class="button">
            Search
          </button>
        </div>
        <details class="filters-more" open={wide}>
          <summary>Filters{activeFilters ? ` (${activeFilters} on)` : ''}</summary>
          <div class="filters-more-grid">
            <SelectField
              label="Status"
              value={query.status ?? ''}
              onChange={(e) => setQuery({ status: e.currentTarget.value })}
            >
              <option value="">Any status</option>
              {LEAD_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {STATUS_LABELS[s]}
                </option>
              ))}
            </SelectField>
            <SelectField
              label="View"
              value={query.view ?? ''}
              onChange={(e) => setQuery({ view: e.currentTarget.value })}
            >
              {VIEWS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </SelectField>
            <TagFilter
              tags={tags.data?.data}
              value={query.tags ?? ''}
              onChange={(tags) => setQuery({ tags })}
            />
            <AssignmentFilter value={assignment} onChange={(assignment) => setQuery({ assignment })} />
            <TextField
              label="Created after"
              type="date"
              value={query.created_after ?? ''}
              onChange={(e) => setQuery({ created_after: e.currentTarget.value })}
            />
            <TextField
              label="Created before"
              type="date"
              value={query.created_before ?? ''}
              onChange={(e) => setQuery({ created_before: e.currentTarget.value })}
            />
            <SelectField
              label="Sort"
              value={query.sort ?? '-created_at'}
              onChange={(e) => setQuery({ sort: e.currentTarget.value })}
            >
              {SORTS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </SelectField>
          </div>
        </details>
        {filtered && (
          <a class="button button-quiet filters-clear" href="/leads">
            Clear filters
          </a>
        )}
      </form>

      {leads.error && (
        <div class="alert alert-error" role="alert">
          {leads.error}
        </div>
      )}
      {leads.loading && !leads.data && <Loading label="Loading leads…" />}
      {leads.data && leads.data.data.length === 0 && (
        <Empty>
          {filtered ? (
            <p>No lead matches these filters.</p>
          ) : (
            <>
              <p>No leads yet.</p>
              <p>
                Add one with <a href="/leads/new">New lead</a>, or send them from your tools with an API key
                from <a href="/settings/api-keys">Settings → API Keys</a>.
              </p>
            </>
          )}
        </Empty>
      )}
      {leads.data && leads.data.data.length > 0 && (
        <>
          <TableScroll label="Leads">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Lead</th>
                  <th scope="col">Contact</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Assigned</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {leads.data.data.map((lead) => (
                  <tr key={lead.id}>
                    <td>
                      <a class="strong" href={`/leads/${lead.id}`}>
                        {leadTitle(lead)}
                      </a>
                    </td>
                    <td>
                      <div>{[lead.first_name, lead.last_name].filter(Boolean).join(' ') || '—'}</div>
                      <div class="muted small">{lead.email ?? lead.phone_number ?? ''}</div>
                    </td>
                    <td>
                      <StatusBadge status={lead.status} />
                    </td>
                    <td>
                      <div class="chips">
                        {lead.tags.map((t) => (
                          <TagChip key={t.id} tag={t} />
                        ))}
                      </div>
                    </td>
                    <td>
                      {partnerLabel(lead.partnership_leads[0]) ??
                        (lead.campaign_title ? `Campaign: ${lead.campaign_title}` : '—')}
                    </td>
                    <td>{lead.assigned_users.map((u) => personName(u)).join(', ') || '—'}</td>
                    <td class="nowrap">{formatDate(lead.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pagination
            meta={leads.data.meta}
            page={page}
            noun={['lead', 'leads']}
            onPage={(p) => setQuery({ page: String(p) }, true)}
          />
        </>
      )}
    </Page>
  );
}
