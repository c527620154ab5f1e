// History routing for a handful of pages: the URL is the state, links are real <a href>s (so
// they open in a new tab and work from the keyboard), and the server answers every page path
// with index.html.
import { useSyncExternalStore } from 'react';

export type Route =
  | { page: 'signIn' }
  | { page: 'register' }
  | { page: 'invite'; token: string }
  | { page: 'clusters' }
  | { page: 'createCluster' }
  | { page: 'cluster'; clusterId: string }
  | { page: 'settings'; tab: SettingsTab }
  | { page: 'apps'; clusterId?: string }
  | { page: 'createApp'; clusterId?: string }
  | { page: 'app'; appId: string; tab: AppTab }
  | { page: 'admin' }
  | { page: 'adoptCluster' }
  | { page: 'stacks'; clusterId?: string }
  | { page: 'importStack'; clusterId?: string; stackId?: string }
  | { page: 'stack'; stackId: string; tab: StackTab }
  | { page: 'search'; q: string }
  | { page: 'templates' }
  | { page: 'template'; templateId: string }
  | { page: 'databases'; clusterId?: string }
  | { page: 'createDatabase'; clusterId?: string }
  | { page: 'database'; databaseId: string }
  | { page: 'notFound'; path: string };

export const settingsTabs = [
  'account',
  'tokens',
  'ssh-keys',
  'credentials',
  'registries',
  'members',
  'audit',
] as const;
export type SettingsTab = (typeof settingsTabs)[number];

export const appTabs = ['overview', 'logs', 'deployments', 'environment', 'audit'] as const;
export type AppTab = (typeof appTabs)[number];

export const stackTabs = ['definition', 'runs', 'versions'] as const;
export type StackTab = (typeof stackTabs)[number];

export function parseRoute(pathname: string, search = ''): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (parts.length === 0) return { page: 'clusters' };
  if (first === 'sign-in' && parts.length === 1) return { page: 'signIn' };
  if (first === 'register' && parts.length === 1) return { page: 'register' };
  if (first === 'invite' && parts.length === 1) {
    return { page: 'invite', token: new URLSearchParams(search).get('token') ?? '' };
  }
  if (first === 'clusters' && parts.length === 1) return { page: 'clusters' };
  if (first === 'clusters' && second === 'new' && parts.length === 2) {
    return { page: 'createCluster' };
  }
  if (first === 'clusters' && second === 'adopt' && parts.length === 2) {
    return { page: 'adoptCluster' };
  }
  if (first === 'clusters' && second && parts.length === 2) {
    return { page: 'cluster', clusterId: second };
  }
  if (first === 'apps') {
    const cluster = new URLSearchParams(search).get('cluster') || undefined;
    if (parts.length === 1) return { page: 'apps', ...(cluster ? { clusterId: cluster } : {}) };
    if (second === 'new' && parts.length === 2) {
      return { page: 'createApp', ...(cluster ? { clusterId: cluster } : {}) };
    }
    const tab = (parts[2] ?? 'overview') as AppTab;
    if (second && parts.length <= 3 && appTabs.includes(tab)) {
      return { page: 'app', appId: second, tab };
    }
  }
  if (first === 'stacks') {
    const query = new URLSearchParams(search);
    const cluster = query.get('cluster') || undefined;
    if (parts.length === 1) return { page: 'stacks', ...(cluster ? { clusterId: cluster } : {}) };
    if (second === 'import' && parts.length === 2) {
      const stack = query.get('stack') || undefined;
      return {
        page: 'importStack',
        ...(cluster ? { clusterId: cluster } : {}),
        ...(stack ? { stackId: stack } : {}),
      };
    }
    const tab = (parts[2] ?? 'definition') as StackTab;
    if (second && parts.length <= 3 && stackTabs.includes(tab)) {
      return { page: 'stack', stackId: second, tab };
    }
  }
  if (first === 'databases') {
    const cluster = new URLSearchParams(search).get('cluster') || undefined;
    if (parts.length === 1) {
      return { page: 'databases', ...(cluster ? { clusterId: cluster } : {}) };
    }
    if (second === 'new' && parts.length === 2) {
      return { page: 'createDatabase', ...(cluster ? { clusterId: cluster } : {}) };
    }
    if (second && parts.length === 2) return { page: 'database', databaseId: second };
  }
  if (first === 'templates' && parts.length === 1) return { page: 'templates' };
  if (first === 'templates' && second && parts.length === 2) {
    return { page: 'template', templateId: second };
  }
  if (first === 'search' && parts.length === 1) {
    return { page: 'search', q: new URLSearchParams(search).get('q') ?? '' };
  }
  if (first === 'admin' && parts.length === 1) return { page: 'admin' };
  if (first === 'settings' && parts.length <= 2) {
    const tab = (second ?? 'tokens') as SettingsTab;
    if (settingsTabs.includes(tab)) return { page: 'settings', tab };
  }
  return { page: 'notFound', path: pathname };
}

export function hrefFor(route: Route): string {
  switch (route.page) {
    case 'signIn':
      return '/sign-in';
    case 'register':
      return '/register';
    case 'invite':
      return `/invite?token=${encodeURIComponent(route.token)}`;
    case 'clusters':
      return '/clusters';
    case 'createCluster':
      return '/clusters/new';
    case 'cluster':
      return `/clusters/${encodeURIComponent(route.clusterId)}`;
    case 'settings':
      return `/settings/${route.tab}`;
    case 'apps':
      return route.clusterId ? `/apps?cluster=${encodeURIComponent(route.clusterId)}` : '/apps';
    case 'createApp':
      return route.clusterId
        ? `/apps/new?cluster=${encodeURIComponent(route.clusterId)}`
        : '/apps/new';
    case 'app':
      return `/apps/${encodeURIComponent(route.appId)}${route.tab === 'overview' ? '' : `/${route.tab}`}`;
    case 'admin':
      return '/admin';
    case 'adoptCluster':
      return '/clusters/adopt';
    case 'stacks':
      return route.clusterId ? `/stacks?cluster=${encodeURIComponent(route.clusterId)}` : '/stacks';
    case 'importStack': {
      const query = new URLSearchParams({
        ...(route.clusterId ? { cluster: route.clusterId } : {}),
        ...(route.stackId ? { stack: route.stackId } : {}),
      }).toString();
      return `/stacks/import${query ? `?${query}` : ''}`;
    }
    case 'stack':
      return `/stacks/${encodeURIComponent(route.stackId)}${route.tab === 'definition' ? '' : `/${route.tab}`}`;
    case 'search':
      return `/search?q=${encodeURIComponent(route.q)}`;
    case 'templates':
      return '/templates';
    case 'template':
      return `/templates/${encodeURIComponent(route.templateId)}`;
    case 'databases':
      return route.clusterId
        ? `/databases?cluster=${encodeURIComponent(route.clusterId)}`
        : '/databases';
    case 'createDatabase':
      return route.clusterId
        ? `/databases/new?cluster=${encodeURIComponent(route.clusterId)}`
        : '/databases/new';
    case 'database':
      return `/databases/${encodeURIComponent(route.databaseId)}`;
    case 'notFound':
      return route.path;
  }
}

const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

const currentLocation = () => window.location.pathname + window.location.search;

export function navigate(href: string, { replace = false } = {}): void {
  if (href === currentLocation()) return;
  if (replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const location = useSyncExternalStore(subscribe, currentLocation);
  const [pathname = '/', search = ''] = location.split(/(?=\?)/);
  return parseRoute(pathname, search);
}
