import { useCallback, useEffect, useMemo, useState } from 'react';
import { Provider, useQuery } from 'urql';
import { makeClient } from './client';
import { Layout } from './components/Layout';
import { graphql } from './gql';
import { navigate, safeNext, useLocation } from './router';
import { HOME_PATH, REPORT_ACTIVITY_PATH, RESET_PASSWORD_PATH, routeFor, SIGN_IN_PATH, visibleRoutes, type RouteId } from './routes';
import { ApiTokensScreen } from './screens/ApiTokens';
import { BillingProfileScreen } from './screens/BillingProfile';
import { ChangePasswordScreen } from './screens/ChangePassword';
import { ContactsScreen } from './screens/Contacts';
import { CustomerInfoScreen } from './screens/CustomerInfo';
import { MfaScreen } from './screens/Mfa';
import { NumberScreen } from './screens/Number';
import { ProfileScreen } from './screens/Profile';
import { ReportActivityScreen } from './screens/ReportActivity';
import { ResetPasswordScreen } from './screens/ResetPassword';
import { SecurityLogScreen } from './screens/SecurityLog';
import { SessionsScreen } from './screens/Sessions';
import { SignInScreen } from './screens/SignIn';
import { TransferQueueScreen } from './screens/TransferQueue';
import { SessionContext, type Session } from './session';

const ViewerQuery = graphql(`
  query Viewer {
    me {
      id
      email
      role
      profile {
        firstName
        lastName
      }
    }
  }
`);

const SCREENS: Record<RouteId, () => React.JSX.Element> = {
  profile: ProfileScreen,
  billing: BillingProfileScreen,
  mfa: MfaScreen,
  password: ChangePasswordScreen,
  customer: CustomerInfoScreen,
  contacts: ContactsScreen,
  number: NumberScreen,
  sessions: SessionsScreen,
  security: SecurityLogScreen,
  tokens: ApiTokensScreen,
  transfers: TransferQueueScreen,
};

function signInPath(returnTo: string): string {
  return returnTo === '/' || returnTo.startsWith(SIGN_IN_PATH) ? SIGN_IN_PATH : `${SIGN_IN_PATH}?next=${encodeURIComponent(returnTo)}`;
}

export function App() {
  // A new client (and so an empty cache) for every signed-in user: nothing of one user's data
  // can show to the next one on a shared browser.
  const [generation, setGeneration] = useState(0);
  const restart = useCallback(() => setGeneration((g) => g + 1), []);
  const client = useMemo(
    () =>
      makeClient(() => {
        // The session ended (expired, revoked elsewhere): sign in again and come back here.
        navigate(signInPath(window.location.pathname + window.location.search), { replace: true });
        restart();
      }),
    [generation, restart],
  );
  return (
    <Provider value={client}>
      <Shell key={generation} restart={restart} />
    </Provider>
  );
}

/** Pages anyone may open, signed in or not: they never ask who is signed in. */
const PUBLIC_SCREENS: Record<string, () => React.JSX.Element> = {
  [REPORT_ACTIVITY_PATH]: ReportActivityScreen,
  [RESET_PASSWORD_PATH]: ResetPasswordScreen,
};

function Shell({ restart }: { restart: () => void }) {
  const location = useLocation();
  const Public = PUBLIC_SCREENS[location.pathname];
  if (Public) return <Public />;
  return <SignedInShell restart={restart} location={location} />;
}

function SignedInShell({ restart, location }: { restart: () => void; location: URL }) {
  const [{ data, fetching, error }] = useQuery({ query: ViewerQuery });
  const me = data?.me;
  const path = location.pathname;

  useEffect(() => {
    if (fetching || error) return;
    if (!me && path !== SIGN_IN_PATH) navigate(signInPath(path + location.search), { replace: true });
    if (me && (path === '/' || path === SIGN_IN_PATH)) navigate(safeNext(location.searchParams.get('next'), HOME_PATH), { replace: true });
  }, [fetching, error, me, path, location]);

  const session: Session | null = useMemo(
    () =>
      me
        ? {
            viewer: { email: me.email, role: me.role, firstName: me.profile.firstName, lastName: me.profile.lastName },
            signedOut: (returnTo?: string) => {
              navigate(returnTo ? signInPath(returnTo) : SIGN_IN_PATH, { replace: true });
              restart();
            },
          }
        : null,
    [me, restart],
  );

  if (error) return <Problem message="The server could not be reached. Reload the page to try again." />;
  if (fetching && !data) return <Loading />;
  if (!session) {
    return path === SIGN_IN_PATH ? <SignInScreen onSignedIn={restart} /> : <Loading />;
  }
  const route = routeFor(path);
  const allowed = route && visibleRoutes(session.viewer.role).includes(route);
  const Screen = route && allowed ? SCREENS[route.id] : null;
  return (
    <SessionContext.Provider value={session}>
      <Layout current={route}>{Screen ? <Screen /> : path === '/' || path === SIGN_IN_PATH ? <Loading /> : <NotFound />}</Layout>
    </SessionContext.Provider>
  );
}

function Loading() {
  return (
    <main className="centered" aria-busy="true">
      <p role="status">Loading…</p>
    </main>
  );
}

function Problem({ message }: { message: string }) {
  return (
    <main className="centered">
      <p role="alert">{message}</p>
    </main>
  );
}

function NotFound() {
  return (
    <section aria-labelledby="nf-title">
      <h1 id="nf-title">Page not found</h1>
      <p>There is no such page in the panel, or it needs a role you do not have.</p>
    </section>
  );
}
