/** The main navigation, in order. */
export const NAV: { to: string; label: string }[] = [
  { to: '/', label: 'Overview' },
  { to: '/events', label: 'Events' },
  { to: '/rules', label: 'Rules' },
  { to: '/triggers', label: 'Triggers' },
  { to: '/journal', label: 'Journal' },
  { to: '/scanner', label: 'Scanner' },
  { to: '/settings', label: 'Settings' },
];

/** Whether `to` is the section the path is in (`/rules/7` is in Rules). */
export function isCurrent(to: string, pathname: string): boolean {
  if (to === '/')
    return (
      pathname === '/' || pathname.startsWith('/containers') || pathname.startsWith('/workloads')
    );
  return pathname === to || pathname.startsWith(`${to}/`);
}
