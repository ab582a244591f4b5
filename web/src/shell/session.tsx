import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { ApiError, onSessionEnd } from '../api/client';
import { authApi } from '../api/auth';
import type { User } from '../api/types';

export type SessionState =
  | { status: 'loading' }
  | { status: 'setup' }
  | { status: 'login'; expired?: boolean; username?: string; notice?: string }
  | { status: 'error'; error: Error }
  | { status: 'ready'; user: User };

interface SessionApi {
  state: SessionState;
  user: User | null;
  /** Admins change things, and follow the live event stream; viewers read. */
  canEdit: boolean;
  /** Admins, and viewers where the server allows it (auth.viewers_read_logs). */
  canReadLogs: boolean;
  signedIn(user: User): void;
  setUp(username: string): void;
  signOut(): Promise<void>;
  /** The server ended the session on purpose (a password change): sign in again. */
  requireLogin(notice: string): void;
  retry(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

/** Which page the visitor gets: first-run setup, sign-in, or the app. */
async function discover(): Promise<SessionState> {
  if ((await authApi.setupNeeded()).needed) return { status: 'setup' };
  try {
    return { status: 'ready', user: (await authApi.me()).user };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return { status: 'login' };
    throw err;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    discover().then(
      (next) => live && setState(next),
      (error: Error) => live && setState({ status: 'error', error }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(
    () =>
      onSessionEnd(() =>
        setState((s) => (s.status === 'ready' ? { status: 'login', expired: true } : s)),
      ),
    [],
  );

  const signedIn = useCallback((user: User) => setState({ status: 'ready', user }), []);
  const setUp = useCallback(
    (username: string) =>
      setState({ status: 'login', username, notice: 'The admin account is ready: sign in.' }),
    [],
  );
  const signOut = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setState({ status: 'login' });
    }
  }, []);
  const requireLogin = useCallback((notice: string) => setState({ status: 'login', notice }), []);
  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((a) => a + 1);
  }, []);

  const value = useMemo<SessionApi>(() => {
    const user = state.status === 'ready' ? state.user : null;
    return {
      state,
      user,
      canEdit: user?.role === 'admin',
      canReadLogs: user?.can_read_logs === true,
      signedIn,
      setUp,
      signOut,
      requireLogin,
      retry,
    };
  }, [state, signedIn, setUp, signOut, requireLogin, retry]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
