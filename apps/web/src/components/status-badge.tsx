const tones: Record<string, string> = {
  running: 'ok',
  provisioning: 'progress',
  updating: 'progress',
  draining: 'progress',
  deleting: 'progress',
  degraded: 'warn',
  down: 'warn',
  error: 'bad',
};

/** Cluster or node status as a coloured badge; the word is always shown, never colour alone. */
export function StatusBadge({ status }: { status: string }) {
  const tone = tones[status] ?? 'neutral';
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {tone === 'progress' && <span className="pulse" aria-hidden="true" />}
      {status}
    </span>
  );
}
