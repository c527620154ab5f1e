// Numbers as people read them on the app pages.

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

export function formatPercent(value: number): string {
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} %`;
}

export function formatTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** `…@sha256:0123…` (or the bare digest) → `sha256:012345678901`, enough to tell images apart. */
export function shortDigest(digest: string | null): string {
  const found = digest && /sha256:[0-9a-f]{12}/.exec(digest);
  return found ? found[0] : (digest ?? '—');
}
