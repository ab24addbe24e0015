import { useState } from 'preact/hooks';
import { api, messageOf, ok, type Schemas } from '../api/client';
import { Empty, Loading, Page } from '../components/Page';
import { Pagination } from '../components/Pagination';
import { formatDateTime, formatRelative } from '../lib/format';
import { useLoad } from '../lib/hooks';
import { useNotifications } from '../notifications';

type Notification = Schemas['Notification'];
const PAGE_SIZE = 20;

/** Where a notification leads: its lead, or the partners page. */
function linkOf(n: Notification): string | undefined {
  const data = n.data as Record<string, unknown>;
  const leadId = data.lead_id ?? (data.lead as { id?: unknown } | undefined)?.id;
  if (typeof leadId === 'number') return `/leads/${leadId}`;
  if (n.type.startsWith('partner')) return '/partners';
  return undefined;
}

export function Notifications() {
  const { version, recount, unread } = useNotifications();
  const [page, setPage] = useState(1);
  const [onlyUnread, setOnlyUnread] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const list = useLoad(
    () =>
      ok(
        api.GET('/v1/notifications', {
          params: { query: { page, pageSize: PAGE_SIZE, ...(onlyUnread ? { unread: '1' as const } : {}) } },
        }),
      ),
    [page, onlyUnread, version],
  );

  const markRead = async (n: Notification) => {
    setError(undefined);
    try {
      await ok(api.POST('/v1/notifications/{id}/read', { params: { path: { id: n.id } }, body: {} }));
      recount();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const markAll = async () => {
    setError(undefined);
    try {
      await ok(api.POST('/v1/notifications/read-all', { body: {} }));
      recount();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  return (
    <Page
      title="Notifications"
      actions={
        <button type="button" class="button" disabled={!unread} onClick={() => void markAll()}>
          Mark all as read
        </button>
      }
    >
      <div class="toolbar">
        <label class="check">
          <input
            type="checkbox"
            checked={onlyUnread}
            onChange={(e) => {
              setOnlyUnread(e.currentTarget.checked);
              setPage(1);
            }}
          />
          <span>Unread only</span>
        </label>
        <span class="muted small" aria-live="polite">
          {unread === undefined ? '' : unread === 0 ? 'All caught up' : `${unread} unread`}
        </span>
      </div>
      {error && (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {list.loading && !list.data && <Loading />}
      {list.data && list.data.data.length === 0 && (
        <Empty>
          <p>
            {onlyUnread
              ? 'No unread notifications.'
              : 'Nothing yet. Leads from partners and assignments show up here, live.'}
          </p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <>
          <ul class="notification-list" data-testid="notification-list">
            {list.data.data.map((n) => {
              const href = linkOf(n);
              return (
                <li key={n.id} class={`notification${n.read_at ? '' : ' unread'}`}>
                  <div class="notification-main">
                    <div class="strong">
                      {href ? <a href={href}>{n.title}</a> : n.title}
                      {!n.read_at && <span class="visually-hidden"> (unread)</span>}
                    </div>
                    {n.body && <p class="muted">{n.body}</p>}
                    <time class="small muted" dateTime={n.created_at} title={formatDateTime(n.created_at)}>
                      {formatRelative(n.created_at)}
                    </time>
                  </div>
                  {!n.read_at && (
                    <button
                      type="button"
                      class="button button-quiet"
                      onClick={() => void markRead(n)}
                      aria-label={`Mark as read: ${n.title}`}
                    >
                      Mark as read
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          <Pagination
            meta={list.data.meta}
            page={page}
            onPage={setPage}
            noun={['notification', 'notifications']}
          />
        </>
      )}
    </Page>
  );
}
