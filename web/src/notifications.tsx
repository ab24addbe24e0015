import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ok, type Schemas } from './api/client';

type Notification = Schemas['Notification'];

interface NotificationsState {
  /** Unread notifications of the signed-in user; undefined until first counted. */
  unread: number | undefined;
  /** The newest notification that arrived on the live stream (for the toast and the list). */
  latest: Notification | undefined;
  /** Bumped on every live notification and every change made here, so lists reload. */
  version: number;
  recount(): void;
}

/** After the stream was refused (the server's `Retry-After` for a database outage). */
const STREAM_REOPEN_MS = 5_000;

const NotificationsContext = createContext<NotificationsState | undefined>(undefined);

/**
 * Keeps the unread count live: one EventSource on /v1/notifications/stream (the session
 * cookie authenticates it; EventSource reconnects by itself and sends Last-Event-ID).
 */
export function NotificationsProvider({ children }: { children: ComponentChildren }) {
  const [unread, setUnread] = useState<number | undefined>();
  const [latest, setLatest] = useState<Notification | undefined>();
  const [version, setVersion] = useState(0);

  const recount = useCallback(() => {
    ok(api.GET('/v1/notifications', { params: { query: { unread: '1', pageSize: 1 } } })).then(
      (list) => setUnread(list.meta['record-count']),
      () => {},
    );
    setVersion((v) => v + 1);
  }, []);

  useEffect(() => {
    recount();
    const onNotification = (event: MessageEvent<string>) => {
      try {
        setLatest(JSON.parse(event.data) as Notification);
      } catch {
        // A malformed event changes nothing but the count, re-read below.
      }
      recount();
    };
    let stream: EventSource;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      stream = new EventSource('/v1/notifications/stream', { withCredentials: true });
      stream.addEventListener('notification', onNotification);
      // A dropped stream EventSource reopens by itself; a refused one (503 while the database is
      // down) it gives up on: open a new one after the server's Retry-After, and re-read the count.
      stream.addEventListener('error', () => {
        if (stream.readyState !== EventSource.CLOSED) return;
        clearTimeout(reopen);
        reopen = setTimeout(() => {
          open();
          recount();
        }, STREAM_REOPEN_MS);
      });
    };
    open();
    return () => {
      clearTimeout(reopen);
      stream.removeEventListener('notification', onNotification);
      stream.close();
    };
  }, [recount]);

  const value = useMemo(() => ({ unread, latest, version, recount }), [unread, latest, version, recount]);
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): NotificationsState {
  const state = useContext(NotificationsContext);
  if (!state) throw new Error('useNotifications() outside <NotificationsProvider>');
  return state;
}
