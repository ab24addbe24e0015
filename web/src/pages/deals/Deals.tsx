import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ok } from '../../api/client';
import { Pill, TagChip } from '../../components/Badges';
import { SelectField, TextField } from '../../components/Field';
import { AssignmentFilter, assignmentQuery, TagFilter } from '../../components/Filters';
import { Empty, Loading, Page, TableScroll } from '../../components/Page';
import { Pagination } from '../../components/Pagination';
import {
  byPipeline,
  DEAL_PHASES,
  type DealPhase,
  formatMoney,
  leadName,
  PHASE_LABELS,
  PHASE_TONE,
  partnerName,
} from '../../lib/deals';
import { formatDate, personName } from '../../lib/format';
import { useLoad } from '../../lib/hooks';
import { useSignedIn } from '../../session';
import { type BoardQuery, DealBoard } from './DealBoard';
import { NewDeal } from './NewDeal';

const PAGE_SIZE = 20;
const VIEWS = [
  ['', 'All deals'],
  ['sent', 'Shared with partners'],
  ['received', 'Shared by partners'],
  ['reseller', 'Reseller'],
  ['campaigns', 'Campaigns'],
] as const;
const SORTS = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['-updated_at', 'Recently updated'],
  ['-deal_value', 'Highest value'],
  ['deal_value', 'Lowest value'],
  ['label', 'Label A–Z'],
] as const;
const FILTER_KEYS = ['search', 'view', 'stages', 'phases', 'tags', 'assignment', 'sort'];

type View = 'received' | 'sent' | 'reseller' | 'campaigns';
type Sort = (typeof SORTS)[number][0];

export function Deals() {
  const { user } = useSignedIn();
  const { query, route, url } = useLocation();
  const page = Math.max(1, Number(query.page) || 1);
  const board = query.layout === 'board';
  const [creating, setCreating] = useState(false);

  const setQuery = (changes: Record<string, string | undefined>, keepPage = false) => {
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...query, ...changes })) {
      if (v && (k !== 'page' || keepPage)) next.set(k, v);
    }
    const qs = next.toString();
    route(`/deals${qs ? `?${qs}` : ''}`);
  };

  const assignment = query.assignment ?? '';
  // The filters both layouts share; the table adds stages, sort and the page.
  const shared: BoardQuery = {
    ...(query.search ? { search: query.search } : {}),
    ...(query.view ? { view: query.view as View } : {}),
    ...(query.phases ? { phases: query.phases } : {}),
    ...(query.tags ? { tags: query.tags } : {}),
    ...assignmentQuery(assignment, user.id),
  };
  const deals = useLoad(
    () =>
      board
        ? Promise.resolve(undefined)
        : ok(
            api.GET('/v1/deals', {
              params: {
                query: {
                  ...shared,
                  page,
                  pageSize: PAGE_SIZE,
                  ...(query.stages ? { stages: query.stages } : {}),
                  ...(query.sort ? { sort: query.sort as Sort } : {}),
                },
              },
            }),
          ),
    [url],
  );
  const stages = useLoad(() => ok(api.GET('/v1/stages/lead-deal-stages')), []);
  const tags = useLoad(
    () => ok(api.GET('/v1/tags', { params: { query: { association: 'lead_deal', pageSize: 50 } } })),
    [],
  );
  const ordered = byPipeline(stages.data?.data ?? []);

  const onSearch = (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setQuery({ search: String(data.get('search') ?? '').trim() || undefined });
  };
  const filtered = FILTER_KEYS.some((k) => query[k]);
  const activeFilters = FILTER_KEYS.filter((k) => k !== 'search' && k !== 'sort' && query[k]).length;
  const wide = typeof matchMedia === 'function' && matchMedia('(min-width: 721px)').matches;
  const list = deals.data;

  return (
    <Page
      title="Deals"
      actions={
        <button type="button" class="button button-primary" onClick={() => setCreating(true)}>
          New deal
        </button>
      }
    >
      <div class="toolbar">
        <fieldset class="segmented">
          <legend class="visually-hidden">Layout</legend>
          <button
            type="button"
            class="button"
            aria-pressed={!board}
            onClick={() => setQuery({ layout: undefined })}
          >
            Table
          </button>
          <button
            type="button"
            class="button"
            aria-pressed={board}
            onClick={() => setQuery({ layout: 'board', page: undefined, stages: undefined, sort: undefined })}
          >
            Board
          </button>
        </fieldset>
      </div>
      <form class="filters" onSubmit={onSearch} aria-label="Deals">
        <div class="filters-search">
          <TextField
            label="Search"
            name="search"
            type="search"
            defaultValue={query.search ?? ''}
            key={query.search ?? ''}
            placeholder="Label, lead company, email or name"
          />
          <button type="submit" class="button">
            Search
          </button>
        </div>
        <details class="filters-more" open={wide}>
          <summary>Filters{activeFilters ? ` (${activeFilters} on)` : ''}</summary>
          <div class="filters-more-grid">
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
            {!board && (
              <SelectField
                label="Stage"
                value={query.stages ?? ''}
                onChange={(e) => setQuery({ stages: e.currentTarget.value })}
              >
                <option value="">Any stage</option>
                {ordered.map((s) => (
                  <option key={s.id} value={String(s.id)}>
                    {s.label}
                  </option>
                ))}
              </SelectField>
            )}
            <SelectField
              label="Phase"
              value={query.phases ?? ''}
              onChange={(e) => setQuery({ phases: e.currentTarget.value })}
            >
              <option value="">Any phase</option>
              {DEAL_PHASES.map((p) => (
                <option key={p} value={p}>
                  {PHASE_LABELS[p]}
                </option>
              ))}
            </SelectField>
            <TagFilter
              tags={tags.data?.data}
              value={query.tags ?? ''}
              onChange={(tags) => setQuery({ tags })}
            />
            <AssignmentFilter value={assignment} onChange={(assignment) => setQuery({ assignment })} />
            {!board && (
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
            )}
          </div>
        </details>
        {filtered && (
          <a class="button button-quiet filters-clear" href={board ? '/deals?layout=board' : '/deals'}>
            Clear filters
          </a>
        )}
      </form>

      {stages.error && (
        <div class="alert alert-error" role="alert">
          {stages.error}
        </div>
      )}
      {board &&
        stages.data &&
        (ordered.length === 0 ? (
          <Empty>
            <p>
              Your company has no deal stages yet: an admin adds them with{' '}
              <code>POST /v1/stages/lead-deal-stages</code>.
            </p>
          </Empty>
        ) : (
          <DealBoard stages={ordered} query={shared} />
        ))}
      {board && stages.loading && !stages.data && <Loading label="Loading the stages…" />}

      {!board && deals.error && (
        <div class="alert alert-error" role="alert">
          {deals.error}
        </div>
      )}
      {!board && deals.loading && !list && <Loading label="Loading deals…" />}
      {!board && list && list.data.length === 0 && (
        <Empty>
          {filtered ? (
            <p>No deal matches these filters.</p>
          ) : (
            <>
              <p>No deals yet.</p>
              <p>Open a lead and choose New deal, or use New deal above.</p>
            </>
          )}
        </Empty>
      )}
      {!board && list && list.data.length > 0 && (
        <>
          <TableScroll label="Deals">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Deal</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Value</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Partner</th>
                  <th scope="col">Tags</th>
                  <th scope="col">Assigned</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((deal) => (
                  <tr key={deal.id}>
                    <td>
                      <a class="strong" href={`/deals/${deal.id}`}>
                        {deal.label}
                      </a>
                    </td>
                    <td>
                      {deal.lead ? (
                        <a href={`/leads/${deal.lead.id}`}>{leadName(deal.lead)}</a>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td class="nowrap">{formatMoney(deal.deal_value, deal.currency_code)}</td>
                    <td>
                      {deal.stage_label ? (
                        <Pill tone={deal.stage_phase ? PHASE_TONE[deal.stage_phase as DealPhase] : 'neutral'}>
                          {deal.stage_label}
                        </Pill>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{partnerName(deal) ?? '—'}</td>
                    <td>
                      <div class="chips">
                        {deal.tags.map((t) => (
                          <TagChip key={t.id} tag={t} />
                        ))}
                      </div>
                    </td>
                    <td>{deal.assigned_users.map((u) => personName(u)).join(', ') || '—'}</td>
                    <td class="nowrap">{formatDate(deal.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pagination
            meta={list.meta}
            page={page}
            noun={['deal', 'deals']}
            onPage={(p) => setQuery({ page: String(p) }, true)}
          />
        </>
      )}
      {creating && <NewDeal onClose={() => setCreating(false)} />}
    </Page>
  );
}
