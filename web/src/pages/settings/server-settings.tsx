import { systemApi } from '../../api/system';
import { ErrorMessage } from '../../components/errors';
import { Section } from '../../components/page';
import { useResource } from '../../hooks/use-resource';

/** Retention and limits, read-only: they live in the configuration, not in the UI. */
export function ServerSettings() {
  const settings = useResource(() => systemApi.settings(), []);
  return (
    <Section title="Retention and limits">
      <p className="muted small">
        Read-only here. Change them in the configuration file (the YAML key) or the environment (the
        variable), then restart Logwarden.
      </p>
      <ErrorMessage error={settings.error} />
      {settings.data && (
        <div className="table-wrap">
          <table className="table" data-testid="server-settings">
            <thead>
              <tr>
                <th>Setting</th>
                <th>Value</th>
                <th className="hide-narrow">Where to change it</th>
              </tr>
            </thead>
            <tbody>
              {settings.data.items.map((s) => (
                <tr key={s.key}>
                  <td>{s.doc}</td>
                  <td className="num strong">{String(s.value)}</td>
                  <td className="hide-narrow">
                    <code>{s.key}</code> or <code>{s.env}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}
