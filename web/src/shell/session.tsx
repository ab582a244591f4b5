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
  /** `user` null: this server has no sign-in (an API without the auth routes). */
  | { status: 'ready'; user: User | null };

interface SessionApi {
  state: SessionState;
  user: User | null;
  /** Admins (and everyone on a server without sign-in) may change things. */
  canEdit: boolean;
  signedIn(user: User): void;
  setUp(username: string): void;
  signOut(): Promise<void>;
  /** The server ended the session on purpose (a password change): sign in again. */
  requireLogin(notice: string): void;
  retry(): void;
}

const SessionContext = createContext<SessionApi | null>(null);

const isStatus = (err: unknown, status: number) => err instanceof ApiError && err.status === status;

/** Which page the visitor gets: first-run setup, sign-in, or the app. */
async function discover(): Promise<SessionState> {
  try {
    if ((await authApi.setupNeeded()).needed) return { status: 'setup' };
  } catch (err) {
    if (!isStatus(err, 404)) throw err;
  }
  try {
    return { status: 'ready', user: (await authApi.me()).user };
  } catch (err) {
    if (isStatus(err, 401)) return { status: 'login' };
    if (isStatus(err, 404)) return { status: 'ready', user: null };
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
      canEdit: state.status === 'ready' && (user === null || user.role === 'admin'),
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
