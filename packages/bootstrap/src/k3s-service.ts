// Running k3s as a service: a systemd unit where systemd runs (what the official installer
// sets up), otherwise a detached process with a pid file (containers, the testbed). The join
// token goes into a root-only environment file, never onto a command line.
import { sh } from '@flotilla/ssh';
import { BootstrapError, type Remote, runStep } from './remote.ts';

export type K3sService = 'k3s' | 'k3s-agent';

const tokenPattern = /^[A-Za-z0-9:._+/=-]{8,512}$/;

export function checkToken(token: string): string {
  if (!tokenPattern.test(token)) throw new BootstrapError('token: not a k3s token', 'invalid');
  return token;
}

export async function serviceRunning(remote: Remote, name: K3sService): Promise<boolean> {
  const check = sh`if [ -d /run/systemd/system ]; then systemctl is-active --quiet ${name}; else pid=$(cat ${`/run/${name}.pid`} 2>/dev/null) && kill -0 "$pid"; fi`;
  return (await remote.run(check, { label: `${name}.status`, timeoutMs: 15_000 })).code === 0;
}

export async function startService(
  remote: Remote,
  name: K3sService,
  args: string[],
  token: string,
): Promise<void> {
  checkToken(token);
  const env = `/etc/rancher/k3s/${name}.env`;
  const unit = `/etc/systemd/system/${name}.service`;
  const command = sh`/usr/local/bin/k3s ${args}`;
  const script = [
    'set -e',
    'umask 077',
    'mkdir -p /etc/rancher/k3s',
    sh`printf 'K3S_TOKEN=%s\\n' ${token} > ${env}`,
    'if [ -d /run/systemd/system ]; then',
    sh`cat > ${unit} <<'UNIT'`,
    '[Unit]',
    'Description=Lightweight Kubernetes (set up by Flotilla)',
    'Wants=network-online.target',
    'After=network-online.target',
    '[Service]',
    'Type=exec',
    `EnvironmentFile=${env}`,
    `ExecStart=${command}`,
    'KillMode=process',
    'Restart=always',
    'RestartSec=5s',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    '  systemctl daemon-reload',
    sh`  systemctl enable --now ${name}`,
    'else',
    sh`  set -a; . ${env}; set +a`,
    sh`  setsid ${sh.raw(command)} >>${`/var/log/${name}.log`} 2>&1 </dev/null &`,
    sh`  echo $! > ${`/run/${name}.pid`}`,
    'fi',
  ].join('\n');
  await runStep(remote, `${name}.start`, script, { timeoutMs: 60_000, secrets: [token] });
}

/** The last lines of the service's log, for error messages. */
export async function serviceLog(remote: Remote, name: K3sService): Promise<string> {
  const result = await remote.run(
    sh`if [ -d /run/systemd/system ]; then journalctl -u ${name} -n 20 --no-pager; else tail -n 20 ${`/var/log/${name}.log`}; fi`,
    { label: `${name}.log`, timeoutMs: 15_000 },
  );
  return result.stdout.trim();
}

// Written by installK3s for artifact installs; the official installer writes its own versions
// of these two scripts for URL installs.
export const killallScript = `#!/bin/sh
# k3s-killall.sh (written by Flotilla): stops k3s on this server.
for name in k3s k3s-agent; do
  if [ -d /run/systemd/system ]; then systemctl stop "$name" 2>/dev/null || true; fi
  pid=$(cat "/run/$name.pid" 2>/dev/null) || continue
  kill "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "/run/$name.pid"
done
`;

export const uninstallScript = `#!/bin/sh
# k3s-uninstall.sh (written by Flotilla): removes k3s and its data from this server.
/usr/local/bin/k3s-killall.sh
if [ -d /run/systemd/system ]; then
  systemctl disable k3s k3s-agent 2>/dev/null || true
  rm -f /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service
  systemctl daemon-reload
fi
rm -rf /etc/rancher/k3s /var/lib/rancher/k3s /var/log/k3s.log /var/log/k3s-agent.log
rm -f /usr/local/bin/k3s /usr/local/bin/k3s-killall.sh /usr/local/bin/k3s-uninstall.sh
`;
