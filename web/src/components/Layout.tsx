import { useEffect, useRef, type MouseEvent, type ReactNode } from 'react';
import { useMutation } from 'urql';
import { graphql } from '../gql';
import { navigate } from '../router';
import { GROUP_TITLES, visibleRoutes, type PanelRoute } from '../routes';
import { useSession } from '../session';

const LogoutMutation = graphql(`
  mutation Logout {
    logout {
      errors {
        message
      }
    }
  }
`);

export function Link({ to, children, ...rest }: { to: string; children: ReactNode; className?: string; 'aria-current'?: 'page' }) {
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}

export function Layout({ current, children }: { current: PanelRoute | undefined; children: ReactNode }) {
  const { viewer, signedOut } = useSession();
  const [{ fetching }, logout] = useMutation(LogoutMutation);
  const routes = visibleRoutes(viewer.role);
  const groups = (['user', 'account', 'admin'] as const).filter((g) => routes.some((r) => r.group === g));
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = `${current?.title ?? 'Account settings'} · Tenantry`;
    main.current?.focus({ preventScroll: true }); // a screen reader hears the new page
  }, [current]);

  return (
    <div className="layout">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Tenantry</span>
        <span className="who">
          {viewer.firstName} {viewer.lastName} <span className="muted">({viewer.email})</span>
        </span>
        <button
          type="button"
          className="secondary"
          disabled={fetching}
          aria-busy={fetching || undefined}
          onClick={() => void logout({}).then(() => signedOut())}
        >
          Sign out
        </button>
      </header>
      <nav className="menu" aria-label="Settings">
        {groups.map((group) => (
          <div key={group} className="menu-group">
            <h2>{GROUP_TITLES[group]}</h2>
            {group === 'user' ? <h3>Account Settings</h3> : null}
            <ul>
              {routes
                .filter((r) => r.group === group)
                .map((r) => (
                  <li key={r.id}>
                    <Link to={r.path} aria-current={r === current ? 'page' : undefined}>
                      {r.title}
                    </Link>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
