import { PageHeader, Section } from '../../components/page';
import { useSession } from '../../shell/session';
import { PasswordForm } from './password-form';
import { ServerSettings } from './server-settings';
import { TokensSection } from './tokens-section';
import { UsersSection } from './users-section';

export function SettingsPage() {
  const { user, canEdit } = useSession();
  return (
    <>
      <PageHeader title="Settings" />
      <Section title="Your account">
        <p>
          Signed in as <strong>{user?.username}</strong> ({user?.role}).
        </p>
        <PasswordForm />
      </Section>
      <UsersSection />
      {canEdit && <TokensSection />}
      <ServerSettings />
    </>
  );
}
