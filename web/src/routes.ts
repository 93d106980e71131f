// The panel's client routes: the menu, the router and the server's SPA fallback (dist/routes.json)
// all read this one table. Plain data, no React, so vite.config.ts can import it.

export type Role = 'CLOUD_ADMIN' | 'ACCOUNT_ADMIN' | 'MEMBER';

export type RouteId =
  | 'profile'
  | 'billing'
  | 'mfa'
  | 'password'
  | 'customer'
  | 'contacts'
  | 'number'
  | 'sessions'
  | 'security'
  | 'tokens'
  | 'transfers';

export interface PanelRoute {
  id: RouteId;
  path: string;
  title: string;
  /** Menu group, following the provider's documentation. */
  group: 'user' | 'account' | 'admin';
  /** Who sees it in the menu; everyone signed in when left out. */
  roles?: readonly Role[];
}

export const SIGN_IN_PATH = '/sign-in';
/** Public pages: no sign-in needed (a security mail's "This wasn't me" link, password recovery). */
export const REPORT_ACTIVITY_PATH = '/report-activity';
export const RESET_PASSWORD_PATH = '/reset-password';
export const PUBLIC_PATHS: readonly string[] = [REPORT_ACTIVITY_PATH, RESET_PASSWORD_PATH];
export const HOME_PATH = '/profile';

export const ROUTES: readonly PanelRoute[] = [
  { id: 'profile', path: '/profile', title: 'Personal Profile', group: 'user' },
  { id: 'billing', path: '/billing-profile', title: 'Billing Profile', group: 'user', roles: ['CLOUD_ADMIN'] },
  { id: 'mfa', path: '/mfa', title: 'Multi-Factor Authentication', group: 'user' },
  { id: 'password', path: '/password', title: 'Change Password', group: 'user' },
  { id: 'sessions', path: '/sessions', title: 'Sessions', group: 'user' },
  { id: 'security', path: '/security-log', title: 'Security log', group: 'user' },
  { id: 'tokens', path: '/api-tokens', title: 'API Tokens', group: 'user' },
  { id: 'customer', path: '/customer-info', title: 'Customer Info', group: 'account' },
  { id: 'contacts', path: '/contacts', title: 'Contact', group: 'account' },
  { id: 'number', path: '/number', title: 'Organization Number', group: 'account' },
  { id: 'transfers', path: '/transfer-requests', title: 'Transfer Requests', group: 'admin', roles: ['CLOUD_ADMIN'] },
];

export const GROUP_TITLES: Record<PanelRoute['group'], string> = {
  user: 'User Management & Services',
  account: 'Account Settings',
  admin: 'Cloud Administration',
};

/** Every path the server answers with index.html. */
export const CLIENT_PATHS: readonly string[] = ['/', SIGN_IN_PATH, ...PUBLIC_PATHS, ...ROUTES.map((r) => r.path)];

export function routeFor(path: string): PanelRoute | undefined {
  return ROUTES.find((r) => r.path === path);
}

export function visibleRoutes(role: Role): PanelRoute[] {
  return ROUTES.filter((r) => !r.roles || r.roles.includes(role));
}
