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
        {user ? (
          <>
            <p>
              Signed in as <strong>{user.username}</strong> ({user.role}).
            </p>
            <PasswordForm />
          </>
        ) : (
          <p className="muted">
            This server has no sign-in: anyone who can reach it acts as admin.
          </p>
        )}
      </Section>
      {user && <UsersSection />}
      {user && canEdit && <TokensSection />}
      <ServerSettings />
    </>
  );
}
