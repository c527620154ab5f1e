const tones: Record<string, string> = {
  running: 'ok',
  provisioning: 'progress',
  updating: 'progress',
  draining: 'progress',
  deleting: 'progress',
  degraded: 'warn',
  down: 'warn',
  error: 'bad',
  // Apps and their deployments.
  queued: 'progress',
  building: 'progress',
  deploying: 'progress',
  active: 'ok',
  succeeded: 'ok',
  failed: 'bad',
  // Stacks and their runs' services.
  draft: 'neutral',
  published: 'ok',
  archived: 'neutral',
  removed: 'neutral',
  pending: 'warn',
  // Managed databases and their bindings, backups and restores.
  creating: 'progress',
  ready: 'ok',
  bound: 'ok',
  unbinding: 'progress',
  // A node's state as the platform page words it (status and availability in one).
  not_ready: 'warn',
  // The control plane's own nodes.
  online: 'ok',
  offline: 'bad',
};

/** A cluster, node, app or deployment status as a badge: the word shown, never colour alone. */
export function StatusBadge({ status }: { status: string }) {
  const tone = tones[status] ?? 'neutral';
  return (
    <span className={`badge badge-${tone}`} data-status={status}>
      {tone === 'progress' && <span className="pulse" aria-hidden="true" />}
      {status}
    </span>
  );
}
