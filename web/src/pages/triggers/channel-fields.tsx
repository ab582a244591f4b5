import type { ChannelType } from '../../api/triggers';
import { fieldError } from '../../components/errors';
import { Field } from '../../components/field';
import { CHANNELS, channelSpec, type ChannelField } from './channels';
import { headerRow, newChannel, type ChannelDraft, type TriggerDraft } from './trigger-draft';

interface Props {
  draft: TriggerDraft;
  onChange: (draft: TriggerDraft) => void;
  error: unknown;
}

const TEMPLATE_HELP =
  'Paths of the payload in double braces: {{event.message}}, {{event.severity}}, ' +
  '{{event.container.name}}, {{event.workload.name}}, {{event.metadata.captures.NAME}}, ' +
  '{{trigger.name}}. Values go in as text, never as template.';

/** The channel type, then only that channel's settings; credentials are write-only. */
export function ChannelFields({ draft, onChange, error }: Props) {
  const channel = draft.channel;
  const spec = channelSpec(channel.type);
  const setChannel = (next: Partial<ChannelDraft>) =>
    onChange({ ...draft, channel: { ...channel, ...next } });
  const setValue = (name: string, value: string) =>
    setChannel({ values: { ...channel.values, [name]: value } });
  const settings = spec.fields.filter((f) => f.kind !== 'template');
  const templates = spec.fields.filter((f) => f.kind === 'template');
  const templateError = templates.some((f) => fieldError(error, `channel.${f.name}`));

  return (
    <>
      <Field label="Channel" name="channel.type" error={error}>
        {(p) => (
          <select
            {...p}
            name="channel_type"
            value={channel.type}
            onChange={(e) =>
              // Another type's settings (and stored credentials) mean nothing to this one.
              onChange({ ...draft, channel: newChannel(e.target.value as ChannelType) })
            }
          >
            {CHANNELS.map((c) => (
              <option key={c.type} value={c.type}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {settings.map((f) => (
        <SettingField
          key={`${spec.type}.${f.name}`}
          field={f}
          channel={channel}
          error={error}
          onValue={(v) => setValue(f.name, v)}
          onForget={() => setChannel({ stored: channel.stored.filter((n) => n !== f.name) })}
        />
      ))}
      {spec.headers && <HeadersField channel={channel} error={error} onChange={setChannel} />}
      {templates.length > 0 && (
        <details className="field-wide templates" open={templateError || undefined}>
          <summary>Message template</summary>
          <p className="field-hint">{TEMPLATE_HELP}</p>
          <div className="form-grid">
            {templates.map((f) => (
              <Field
                key={`${spec.type}.${f.name}`}
                label={f.label}
                name={`channel.${f.name}`}
                error={error}
                hint={f.hint}
                wide
              >
                {(p) => (
                  <textarea
                    {...p}
                    name={f.name}
                    className="mono"
                    rows={f.json ? 4 : 2}
                    value={channel.values[f.name] ?? ''}
                    onChange={(e) => setValue(f.name, e.target.value)}
                  />
                )}
              </Field>
            ))}
          </div>
        </details>
      )}
    </>
  );
}

function SettingField({
  field: f,
  channel,
  error,
  onValue,
  onForget,
}: {
  field: ChannelField;
  channel: ChannelDraft;
  error: unknown;
  onValue: (value: string) => void;
  onForget: () => void;
}) {
  const value = channel.values[f.name] ?? '';
  const stored = f.kind === 'secret' && channel.stored.includes(f.name);
  const hint = stored
    ? 'Stored, and never shown again: leave it empty to keep it, type to replace it.'
    : f.hint;
  return (
    <Field
      label={f.label}
      name={`channel.${f.name}`}
      error={error}
      hint={hint}
      // Addresses are long: a row of their own.
      wide={f.kind === 'url' || f.name === 'url' || f.kind === 'list'}
      extra={
        stored &&
        !f.required && (
          <button type="button" className="small link-button" onClick={onForget}>
            remove the stored {f.label.toLowerCase()}
          </button>
        )
      }
    >
      {(p) =>
        f.kind === 'select' ? (
          <select {...p} name={f.name} value={value} onChange={(e) => onValue(e.target.value)}>
            {f.options?.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        ) : (
          <input
            {...p}
            name={f.name}
            type={f.kind === 'secret' ? 'password' : f.kind === 'url' ? 'url' : 'text'}
            autoComplete={f.kind === 'secret' ? 'new-password' : 'off'}
            inputMode={f.kind === 'number' ? 'numeric' : undefined}
            required={f.required && !stored}
            placeholder={stored ? '•••••••• (stored)' : f.placeholder}
            value={value}
            onChange={(e) => onValue(e.target.value)}
          />
        )
      }
    </Field>
  );
}

/** Extra request headers; their values often carry tokens, so they are write-only. */
function HeadersField({
  channel,
  error,
  onChange,
}: {
  channel: ChannelDraft;
  error: unknown;
  onChange: (next: Partial<ChannelDraft>) => void;
}) {
  const rows = channel.headers;
  const setRow = (id: number, patch: { name?: string; value?: string }) =>
    onChange({
      headers: rows.map((r) =>
        r.id !== id
          ? r
          : // A stored value belongs to its name: renamed, the header needs a value again.
            { ...r, ...patch, stored: r.stored && patch.name === undefined },
      ),
    });
  return (
    <Field
      label="Headers"
      name="channel.headers"
      error={error}
      wide
      hint="Sent with every request. Values are write-only: a stored one is kept while left empty."
    >
      {() => (
        <div className="header-rows">
          {rows.map((row) => (
            <div key={row.id} className="header-row">
              <input
                aria-label="Header name"
                name="header_name"
                placeholder="Authorization"
                value={row.name}
                onChange={(e) => setRow(row.id, { name: e.target.value })}
              />
              <input
                aria-label={`Value of ${row.name || 'the header'}`}
                name="header_value"
                type="password"
                autoComplete="new-password"
                placeholder={row.stored ? '•••••••• (stored)' : 'value'}
                value={row.value}
                onChange={(e) => setRow(row.id, { value: e.target.value })}
              />
              <button
                type="button"
                className="small link-button"
                onClick={() => onChange({ headers: rows.filter((r) => r.id !== row.id) })}
              >
                remove
              </button>
            </div>
          ))}
          <button
            type="button"
            className="small"
            onClick={() => onChange({ headers: [...rows, headerRow()] })}
          >
            Add header
          </button>
        </div>
      )}
    </Field>
  );
}
