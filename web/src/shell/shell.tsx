import { useEffect, useState, type ReactNode } from 'react';
import { Link, useLocation } from '../router/router';
import { isCurrent, NAV } from './nav';
import { useSession } from './session';

/** The frame around every page: brand, navigation, who is signed in. */
export function Shell({ children }: { children: ReactNode }) {
  const { pathname } = useLocation();
  const { canEdit } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);

  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          Logwarden
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <nav id="main-nav" className={`nav${menuOpen ? ' nav-open' : ''}`} aria-label="Main">
          {NAV.filter((item) => canEdit || !item.admin).map((item) => (
            <Link
              key={item.to}
              to={item.to}
              aria-current={isCurrent(item.to, pathname) ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <UserBox />
      </header>
      <main className="content" id="content">
        {children}
      </main>
    </div>
  );
}

function UserBox() {
  const session = useSession();
  if (session.user === null) return null;
  return (
    <div className="userbox">
      <span className="username" data-testid="current-user">
        {session.user.username}
        <span className="muted"> · {session.user.role}</span>
      </span>
      <button type="button" className="link-button" onClick={() => void session.signOut()}>
        Sign out
      </button>
    </div>
  );
}
