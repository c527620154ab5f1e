import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Layout } from './components/layout.tsx';
import { Link } from './components/link.tsx';
import { Empty } from './components/states.tsx';
import { AcceptInvitePage } from './pages/accept-invite.tsx';
import { AdminPage } from './pages/admin.tsx';
import { AdoptClusterPage } from './pages/adopt-cluster.tsx';
import { AppPage } from './pages/app.tsx';
import { AppsPage } from './pages/apps.tsx';
import { ClusterPage } from './pages/cluster.tsx';
import { ClustersPage } from './pages/clusters.tsx';
import { CreateAppPage } from './pages/create-app.tsx';
import { CreateClusterPage } from './pages/create-cluster.tsx';
import { CreateDatabasePage } from './pages/create-database.tsx';
import { DatabasePage } from './pages/database.tsx';
import { DatabasesPage } from './pages/databases.tsx';
import { ImportStackPage } from './pages/import-stack.tsx';
import { RegisterPage } from './pages/register.tsx';
import { SearchPage } from './pages/search.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { StackPage } from './pages/stack.tsx';
import { StacksPage } from './pages/stacks.tsx';
import { TemplatePage, TemplatesPage } from './pages/templates.tsx';
import { hrefFor, navigate, type Route, useRoute } from './route.ts';
import { signOut, useToken } from './session.ts';
import { createApiClient, errorCode, TRPCProvider } from './trpc.ts';

function createQueryClient() {
  // A token the API no longer accepts (expired, revoked) ends the session wherever it shows up.
  const onError = (error: unknown) => {
    if (errorCode(error) === 'UNAUTHORIZED') signOut();
  };
  return new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        // A wrong password on the sign-in or invitation form is not a dead session.
        const [path] = (mutation.options.mutationKey ?? []) as unknown[];
        if (Array.isArray(path) && path[0] === 'auth') return;
        onError(error);
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Retrying a 4xx only delays the message the user needs to see.
        retry: (failures, error) => !errorCode(error) && failures < 2,
      },
    },
  });
}

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => createApiClient());
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Pages />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

const publicPages = new Set<Route['page']>(['signIn', 'register', 'invite']);

function Pages() {
  const route = useRoute();
  const token = useToken();

  if (!token) {
    if (route.page === 'register') return <RegisterPage />;
    if (route.page === 'invite') return <AcceptInvitePage token={route.token} />;
    if (route.page !== 'signIn') return <Redirect to="/sign-in" />;
    return <SignInPage />;
  }
  if (publicPages.has(route.page) && route.page !== 'invite') return <Redirect to="/clusters" />;
  if (route.page === 'invite') return <AcceptInvitePage token={route.token} />;

  return (
    <Layout route={route}>
      {route.page === 'clusters' && <ClustersPage />}
      {route.page === 'createCluster' && <CreateClusterPage />}
      {route.page === 'cluster' && <ClusterPage clusterId={route.clusterId} />}
      {route.page === 'settings' && <SettingsPage tab={route.tab} />}
      {route.page === 'apps' && <AppsPage clusterId={route.clusterId} />}
      {route.page === 'createApp' && <CreateAppPage clusterId={route.clusterId} />}
      {route.page === 'app' && <AppPage key={route.appId} appId={route.appId} tab={route.tab} />}
      {route.page === 'admin' && <AdminPage />}
      {route.page === 'adoptCluster' && <AdoptClusterPage />}
      {route.page === 'stacks' && <StacksPage clusterId={route.clusterId} />}
      {route.page === 'importStack' && (
        <ImportStackPage clusterId={route.clusterId} stackId={route.stackId} />
      )}
      {route.page === 'stack' && (
        <StackPage key={route.stackId} stackId={route.stackId} tab={route.tab} />
      )}
      {route.page === 'search' && <SearchPage key={route.q} q={route.q} />}
      {route.page === 'templates' && <TemplatesPage />}
      {route.page === 'template' && (
        <TemplatePage key={route.templateId} templateId={route.templateId} />
      )}
      {route.page === 'databases' && <DatabasesPage clusterId={route.clusterId} />}
      {route.page === 'createDatabase' && <CreateDatabasePage clusterId={route.clusterId} />}
      {route.page === 'database' && (
        <DatabasePage key={route.databaseId} databaseId={route.databaseId} />
      )}
      {route.page === 'notFound' && (
        <Empty title="Page not found">
          <p>
            Nothing lives at <code>{route.path}</code>.{' '}
            <Link href={hrefFor({ page: 'clusters' })}>Back to clusters</Link>
          </p>
        </Empty>
      )}
    </Layout>
  );
}
