/** The main navigation, in order; `admin`: a page only admins may read (the API says so). */
export const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: '/', label: 'Overview' },
  { to: '/events', label: 'Events' },
  { to: '/incidents', label: 'Incidents' },
  { to: '/rules', label: 'Rules' },
  { to: '/triggers', label: 'Triggers' },
  { to: '/silences', label: 'Silences' },
  { to: '/hosts', label: 'Hosts' },
  { to: '/journal', label: 'Journal', admin: true },
  { to: '/scanner', label: 'Scanner' },
  { to: '/settings', label: 'Settings' },
  { to: '/api-reference', label: 'API' },
];

/** Whether `to` is the section the path is in (`/rules/7` is in Rules). */
export function isCurrent(to: string, pathname: string): boolean {
  if (to === '/')
    return (
      pathname === '/' || pathname.startsWith('/containers') || pathname.startsWith('/workloads')
    );
  return pathname === to || pathname.startsWith(`${to}/`);
}
