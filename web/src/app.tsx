import { Fragment, type ReactNode } from 'react';
import { ErrorMessage } from './components/errors';
import { Loading } from './components/page';
import { ApiReferencePage } from './pages/api-reference';
import { ContainerPage } from './pages/container';
import { EventDetailPage, EventsPage } from './pages/events';
import { HostsPage } from './pages/hosts';
import { IncidentDetailPage, IncidentsPage } from './pages/incidents';
import { JournalPage } from './pages/journal';
import { OverviewPage } from './pages/overview';
import { RuleEditorPage, RulesPage } from './pages/rules';
import { ScannerPage } from './pages/scanner';
import { SettingsPage } from './pages/settings';
import { SilencesPage } from './pages/silences';
import { TriggerEditorPage, TriggersPage } from './pages/triggers';
import { WorkloadPage } from './pages/workloads';
import { Link, matchPath, useLocation } from './router/router';
import { LoginPage } from './shell/login-page';
import { useSession } from './shell/session';
import { SetupPage } from './shell/setup-page';
import { Shell } from './shell/shell';

type Params = Record<string, string>;

const idOf = (p: Params) => Number(p.id);

/** Every page, by path; the first match wins. */
const ROUTES: [string, (p: Params) => ReactNode][] = [
  ['/', () => <OverviewPage />],
  ['/events', () => <EventsPage />],
  ['/events/:id', (p) => <EventDetailPage key={p.id} id={idOf(p)} />],
  ['/incidents', () => <IncidentsPage />],
  ['/incidents/:id', (p) => <IncidentDetailPage key={p.id} id={idOf(p)} />],
  ['/containers/:id', (p) => <ContainerPage key={p.id} id={p.id!} />],
  ['/workloads/:id', (p) => <WorkloadPage key={p.id} id={p.id!} />],
  ['/rules', () => <RulesPage />],
  // One editor instance for both: see RuleEditorPage about keeping state on create.
  ['/rules/new', () => <RuleEditorPage key="rule" id={null} />],
  ['/rules/:id', (p) => <RuleEditorPage key="rule" id={idOf(p)} />],
  ['/triggers', () => <TriggersPage />],
  // Likewise: a created trigger's one-time secret stays on screen.
  ['/triggers/new', () => <TriggerEditorPage key="trigger" id={null} />],
  ['/triggers/:id', (p) => <TriggerEditorPage key="trigger" id={idOf(p)} />],
  ['/silences', () => <SilencesPage />],
  ['/hosts', () => <HostsPage />],
  ['/journal', () => <JournalPage />],
  ['/scanner', () => <ScannerPage />],
  ['/settings', () => <SettingsPage />],
  ['/api-reference', () => <ApiReferencePage />],
];

function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>
        There is no page here. <Link to="/">Back to the overview</Link>.
      </p>
    </>
  );
}

function Page() {
  const { pathname, visit } = useLocation();
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, pathname);
    // A new visit mounts the page afresh (its data read again).
    if (params) return <Fragment key={visit}>{render(params)}</Fragment>;
  }
  return <NotFound />;
}

/** Setup, sign-in or the app, as the server says. */
export function App() {
  const session = useSession();
  const state = session.state;
  switch (state.status) {
    case 'loading':
      return (
        <main className="auth-page">
          <Loading what="Connecting to Logwarden" />
        </main>
      );
    case 'error':
      return (
        <main className="auth-page">
          <div className="auth-card">
            <ErrorMessage error={state.error} />
            <button type="button" onClick={session.retry}>
              Try again
            </button>
          </div>
        </main>
      );
    case 'setup':
      return <SetupPage />;
    case 'login':
      return <LoginPage expired={state.expired} username={state.username} notice={state.notice} />;
    case 'ready':
      return (
        <Shell>
          <Page />
        </Shell>
      );
  }
}
