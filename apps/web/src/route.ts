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
  | { page: 'notFound'; path: string };

export const settingsTabs = ['tokens', 'ssh-keys', 'credentials', 'members', 'audit'] as const;
export type SettingsTab = (typeof settingsTabs)[number];

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
  if (first === 'clusters' && second && parts.length === 2) {
    return { page: 'cluster', clusterId: second };
  }
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
