import { Link } from '../components/link.tsx';
import { hrefFor, type SettingsTab } from '../route.ts';
import { AuditTab } from './settings/audit.tsx';
import { CredentialsTab } from './settings/credentials.tsx';
import { MembersTab } from './settings/members.tsx';
import { SshKeysTab } from './settings/ssh-keys.tsx';
import { TokensTab } from './settings/tokens.tsx';

const tabs: { tab: SettingsTab; label: string }[] = [
  { tab: 'tokens', label: 'API tokens' },
  { tab: 'ssh-keys', label: 'SSH keys' },
  { tab: 'credentials', label: 'Provider credentials' },
  { tab: 'members', label: 'Members' },
  { tab: 'audit', label: 'Audit log' },
];

export function SettingsPage({ tab }: { tab: SettingsTab }) {
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <nav className="tabs" aria-label="Settings">
        {tabs.map((entry) => (
          <Link
            key={entry.tab}
            href={hrefFor({ page: 'settings', tab: entry.tab })}
            aria-current={entry.tab === tab ? 'page' : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'tokens' && <TokensTab />}
      {tab === 'ssh-keys' && <SshKeysTab />}
      {tab === 'credentials' && <CredentialsTab />}
      {tab === 'members' && <MembersTab />}
      {tab === 'audit' && <AuditTab />}
    </>
  );
}
