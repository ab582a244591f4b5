import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react';

/**
 * A small history-API router: the UI has a dozen fixed routes, which does not need a
 * routing library.
 */
interface Location {
  pathname: string;
  search: string;
  /**
   * Counts visits: a link followed (even to the page shown) or back/forward, but not a
   * replace (filters written to the URL). Pages are keyed by it, so a visit is fresh.
   */
  visit: number;
}

const LocationContext = createContext<Location>({ pathname: '/', search: '', visit: 0 });
const NAVIGATED = 'logwarden:navigated';
const REPLACED = 'logwarden:replaced';

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(options.replace ? REPLACED : NAVIGATED));
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState<Location>(() => ({
    pathname: window.location.pathname,
    search: window.location.search,
    visit: 0,
  }));
  useEffect(() => {
    const update = (visited: boolean) => () =>
      setLocation((l) => ({
        pathname: window.location.pathname,
        search: window.location.search,
        visit: visited ? l.visit + 1 : l.visit,
      }));
    const visited = update(true);
    const replaced = update(false);
    window.addEventListener('popstate', visited);
    window.addEventListener(NAVIGATED, visited);
    window.addEventListener(REPLACED, replaced);
    return () => {
      window.removeEventListener('popstate', visited);
      window.removeEventListener(NAVIGATED, visited);
      window.removeEventListener(REPLACED, replaced);
    };
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

export function useLocation(): Location {
  return useContext(LocationContext);
}

/** The query string as URLSearchParams, and a setter that keeps the path. */
export function useSearchParams(): [URLSearchParams, (next: URLSearchParams) => void] {
  const { pathname, search } = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const set = useCallback(
    (next: URLSearchParams) => {
      const s = next.toString();
      navigate(`${pathname}${s ? `?${s}` : ''}`, { replace: true });
    },
    [pathname],
  );
  return [params, set];
}

/** `/rules/:id` against `/rules/7` → `{id: '7'}`; null when it does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = pathname.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link (middle-click and ctrl-click open a tab) that navigates in place. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}
