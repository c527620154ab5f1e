import { Link } from '../components/link.tsx';
import { useMe } from '../organization.tsx';
import { hrefFor, type SettingsTab } from '../route.ts';
import { AccountTab } from './settings/account.tsx';
import { AuditTab } from './settings/audit.tsx';
import { CredentialsTab } from './settings/credentials.tsx';
import { MembersTab } from './settings/members.tsx';
import { RegistriesTab } from './settings/registries.tsx';
import { SshKeysTab } from './settings/ssh-keys.tsx';
import { TokensTab } from './settings/tokens.tsx';

const tabs: { tab: SettingsTab; label: string }[] = [
  { tab: 'account', label: 'Account' },
  { tab: 'tokens', label: 'API tokens' },
  { tab: 'ssh-keys', label: 'SSH keys' },
  { tab: 'credentials', label: 'Provider credentials' },
  { tab: 'registries', label: 'Container registries' },
  { tab: 'members', label: 'Members' },
  { tab: 'audit', label: 'Audit log' },
];

export function SettingsPage({ tab }: { tab: SettingsTab }) {
  const me = useMe();
  // A user in no organization has only their own account to set (the layout shows nothing else).
  const shown =
    me.data?.organizations.length === 0 ? tabs.filter((entry) => entry.tab === 'account') : tabs;
  return (
    <>
      <div className="page-header">
        <h1>Settings</h1>
      </div>
      <nav className="tabs" aria-label="Settings">
        {shown.map((entry) => (
          <Link
            key={entry.tab}
            href={hrefFor({ page: 'settings', tab: entry.tab })}
            aria-current={entry.tab === tab ? 'page' : undefined}
          >
            {entry.label}
          </Link>
        ))}
      </nav>
      {tab === 'account' && <AccountTab />}
      {tab === 'tokens' && <TokensTab />}
      {tab === 'ssh-keys' && <SshKeysTab />}
      {tab === 'credentials' && <CredentialsTab />}
      {tab === 'registries' && <RegistriesTab />}
      {tab === 'members' && <MembersTab />}
      {tab === 'audit' && <AuditTab />}
    </>
  );
}
