// Docker must exist before Swarm: install it where missing (Debian/Ubuntu's docker.io), leave
// it alone where present.
import { sh } from '@flotilla/ssh';
import { type Remote, runStep, type StepResult, waitUntil } from './remote.ts';

export interface DockerResult extends StepResult {
  version: string;
}

async function serverVersion(remote: Remote): Promise<string | null> {
  const result = await remote.run(sh`docker info --format ${'{{.ServerVersion}}'}`, {
    label: 'docker.info',
    timeoutMs: 20_000,
  });
  const version = result.stdout.trim();
  return result.code === 0 && version ? version : null;
}

export async function ensureDocker(
  remote: Remote,
  options: { timeoutMs?: number } = {},
): Promise<DockerResult> {
  const present = await serverVersion(remote);
  if (present) return { changed: false, version: present };
  const timeoutMs = options.timeoutMs ?? 600_000;
  const installed = await remote.run('command -v dockerd', { label: 'docker.which' });
  if (installed.code !== 0) {
    await runStep(
      remote,
      'docker.install',
      'export DEBIAN_FRONTEND=noninteractive && apt-get update -q && apt-get install -y -q docker.io',
      { timeoutMs },
    );
  }
  await runStep(
    remote,
    'docker.start',
    'systemctl enable --now docker 2>/dev/null || service docker start',
    { timeoutMs: 60_000 },
  );
  const version = await waitUntil('docker.ready', () => serverVersion(remote), 60_000, 1_000);
  return { changed: true, version };
}
