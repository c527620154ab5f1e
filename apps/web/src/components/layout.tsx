import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { OrganizationProvider, useMe } from '../organization.tsx';
import { hrefFor, navigate, type Route } from '../route.ts';
import { selectOrganization, signOut, useStoredOrganization } from '../session.ts';
import { useTRPC } from '../trpc.ts';
import { Link } from './link.tsx';
import { SearchBox } from './search-box.tsx';
import { Empty, ErrorNotice, Loading } from './states.tsx';

const pageTitles: Record<Route['page'], string> = {
  signIn: 'Sign in',
  register: 'Create account',
  invite: 'Accept invitation',
  clusters: 'Clusters',
  createCluster: 'New cluster',
  cluster: 'Cluster',
  settings: 'Settings',
  apps: 'Apps',
  createApp: 'New app',
  app: 'App',
  admin: 'Administration',
  adoptCluster: 'Adopt a cluster',
  stacks: 'Stacks',
  importStack: 'Import a compose file',
  stack: 'Stack',
  search: 'Search',
  templates: 'Templates',
  template: 'Template',
  databases: 'Databases',
  createDatabase: 'New database',
  database: 'Database',
  notFound: 'Not found',
};

const appPages = new Set<Route['page']>(['apps', 'createApp', 'app']);
const stackPages = new Set<Route['page']>(['stacks', 'importStack', 'stack']);
const templatePages = new Set<Route['page']>(['templates', 'template']);
const databasePages = new Set<Route['page']>(['databases', 'createDatabase', 'database']);

export function Layout({ route, children }: { route: Route; children: ReactNode }) {
  const me = useMe();
  const stored = useStoredOrganization();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mainRef = useRef<HTMLElement>(null);
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      // Forget the session locally even if the API is unreachable: the user asked to leave.
      onSettled: () => {
        signOut();
        queryClient.clear();
      },
    }),
  );

  // Move focus to the new page for keyboard and screen-reader users, as a page load would.
  const routeKey = JSON.stringify(route);
  useEffect(() => {
    document.title = `${pageTitles[route.page]} · Flotilla`;
    mainRef.current?.focus({ preventScroll: true });
  }, [routeKey, route.page]);

  const section =
    route.page === 'settings' || route.page === 'admin'
      ? route.page
      : templatePages.has(route.page)
        ? 'templates'
        : appPages.has(route.page)
          ? 'apps'
          : stackPages.has(route.page)
            ? 'stacks'
            : databasePages.has(route.page)
              ? 'databases'
              : 'clusters';
  const organizations = me.data?.organizations ?? [];
  const current = organizations.find((org) => org.id === stored) ?? organizations[0];
  // Without an organization (removed from the last one) a user still has an account of their
  // own: its password and sessions stay reachable.
  const noOrganization = me.data !== undefined && organizations.length === 0;
  const accountPage = route.page === 'settings' && route.tab === 'account';

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link className="brand" href="/">
          <img src="/favicon.svg" alt="" />
          Flotilla
        </Link>
        <nav className="nav" aria-label="Main">
          <Link
            href={hrefFor({ page: 'clusters' })}
            aria-current={section === 'clusters' ? 'page' : undefined}
          >
            Clusters
          </Link>
          <Link
            href={hrefFor({ page: 'apps' })}
            aria-current={section === 'apps' ? 'page' : undefined}
          >
            Apps
          </Link>
          <Link
            href={hrefFor({ page: 'stacks' })}
            aria-current={section === 'stacks' ? 'page' : undefined}
          >
            Stacks
          </Link>
          <Link
            href={hrefFor({ page: 'databases' })}
            aria-current={section === 'databases' ? 'page' : undefined}
          >
            Databases
          </Link>
          <Link
            href={hrefFor({ page: 'templates' })}
            aria-current={section === 'templates' ? 'page' : undefined}
          >
            Templates
          </Link>
          <Link
            href={hrefFor({
              page: 'settings',
              tab: noOrganization ? 'account' : 'tokens',
            })}
            aria-current={section === 'settings' ? 'page' : undefined}
          >
            Settings
          </Link>
          {me.data?.instanceAdmin && (
            <Link
              href={hrefFor({ page: 'admin' })}
              aria-current={section === 'admin' ? 'page' : undefined}
            >
              Administration
            </Link>
          )}
        </nav>
        {me.data && organizations.length > 0 && (
          <OrganizationProvider me={me.data}>
            <SearchBox />
          </OrganizationProvider>
        )}
        <div className="account">
          {organizations.length > 0 && (
            <>
              <label className="visually-hidden" htmlFor="organization-switcher">
                Organization
              </label>
              <select
                id="organization-switcher"
                className="org-select"
                value={current?.id}
                onChange={(event) => {
                  selectOrganization(event.target.value);
                  // Pages of one organization's clusters make no sense in another.
                  if (route.page === 'cluster') navigate(hrefFor({ page: 'clusters' }));
                  if (appPages.has(route.page)) navigate(hrefFor({ page: 'apps' }));
                  if (stackPages.has(route.page)) navigate(hrefFor({ page: 'stacks' }));
                  if (databasePages.has(route.page)) navigate(hrefFor({ page: 'databases' }));
                }}
              >
                {organizations.map((org) => (
                  <option key={org.id} value={org.id}>
                    {org.name}
                  </option>
                ))}
              </select>
            </>
          )}
          {me.data && <span className="muted">{me.data.name}</span>}
          <button
            type="button"
            className="button button-small"
            onClick={() => logout.mutate()}
            disabled={logout.isPending}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {me.isPending && <Loading />}
        {me.isError && <ErrorNotice error={me.error} retry={() => me.refetch()} />}
        {noOrganization && accountPage && children}
        {noOrganization && !accountPage && (
          <Empty title="You are not a member of any organization">
            <p>
              Ask an organization admin for an invitation. Your{' '}
              <Link href={hrefFor({ page: 'settings', tab: 'account' })}>account settings</Link>{' '}
              (password, where you are signed in) are open meanwhile.
            </p>
          </Empty>
        )}
        {me.data && organizations.length > 0 && (
          <OrganizationProvider me={me.data}>{children}</OrganizationProvider>
        )}
      </main>
    </>
  );
}
