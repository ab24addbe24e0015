import { type ComponentChildren, createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ok, type Session, setCsrfToken, setUnauthorizedHandler } from './api/client';

interface SessionState {
  /** undefined while the first check runs; null when nobody is signed in. */
  session: Session | null | undefined;
  signedIn(session: Session): void;
  signOut(): Promise<void>;
  /** Re-reads the session (after the company or the profile changed). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  const apply = useCallback((next: Session | null) => {
    setCsrfToken(next?.csrf_token);
    setSession(next);
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await ok(api.GET('/v1/auth/session'), { quiet401: true }));
    } catch {
      apply(null);
    }
  }, [apply]);

  useEffect(() => {
    void refresh();
    // A 401 anywhere means the session ended (logged out elsewhere, expired, deactivated).
    setUnauthorizedHandler(() => apply(null));
    return () => setUnauthorizedHandler(undefined);
  }, [refresh, apply]);

  const signOut = useCallback(async () => {
    try {
      await ok(api.POST('/v1/auth/logout', { body: {} }), { quiet401: true });
    } finally {
      apply(null);
    }
  }, [apply]);

  const value = useMemo(
    () => ({ session, signedIn: (s: Session) => apply(s), signOut, refresh }),
    [session, apply, signOut, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession() outside <SessionProvider>');
  return state;
}

/** The signed-in session; only for pages behind the sign-in check. */
export function useSignedIn(): Session & { isAdmin: boolean } {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn() on a page shown without a session');
  return { ...session, isAdmin: session.user.role === 'admin' };
}
