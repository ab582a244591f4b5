import type { ChannelType } from '../../api/triggers';
import { Field } from '../../components/field';
import { channelSpec, CHANNELS, defaultChannel } from './channels';
import type { TriggerDraft } from './trigger-draft';

interface Props {
  draft: TriggerDraft;
  onChange: (draft: TriggerDraft) => void;
  error: unknown;
}

/** The channel type, then only that channel's fields and its write-only secret. */
export function ChannelFields({ draft, onChange, error }: Props) {
  const spec = channelSpec(draft.channel.type);
  const setField = (name: string, value: string) =>
    onChange({ ...draft, channel: { ...draft.channel, [name]: value } });
  return (
    <>
      <Field label="Channel" name="channel.type" error={error}>
        {(p) => (
          <select
            {...p}
            name="channel_type"
            value={draft.channel.type}
            onChange={(e) => {
              // Another channel's fields (and its secret) mean nothing to this one.
              const type = e.target.value as ChannelType;
              onChange({
                ...draft,
                channel: defaultChannel(type),
                secret: '',
                secretStored: draft.secretStored && type === draft.channel.type,
              });
            }}
          >
            {CHANNELS.map((c) => (
              <option key={c.type} value={c.type}>
                {c.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      {spec.fields.map((f) => (
        <Field
          key={`${spec.type}.${f.name}`}
          label={f.label}
          name={`channel.${f.name}`}
          error={error}
          hint={f.hint}
        >
          {(p) =>
            f.type === 'select' ? (
              <select
                {...p}
                name={f.name}
                value={String(draft.channel[f.name] ?? '')}
                onChange={(e) => setField(f.name, e.target.value)}
              >
                {f.options?.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input
                {...p}
                name={f.name}
                type={f.type === 'url' ? 'url' : 'text'}
                inputMode={f.type === 'number' ? 'numeric' : undefined}
                required={f.required}
                placeholder={f.placeholder}
                value={String(draft.channel[f.name] ?? '')}
                onChange={(e) => setField(f.name, e.target.value)}
              />
            )
          }
        </Field>
      ))}
      {spec.secret && (
        <Field
          label={spec.secret.label}
          name="secret"
          error={error}
          hint={
            draft.secretStored
              ? 'Stored, and never shown again. Leave empty to keep it; type to replace it.'
              : spec.secret.hint
          }
        >
          {(p) => (
            <input
              {...p}
              name="secret"
              type="password"
              autoComplete="new-password"
              required={spec.secret!.required && !draft.secretStored}
              placeholder={draft.secretStored ? '•••••••• (stored)' : ''}
              value={draft.secret}
              onChange={(e) => onChange({ ...draft, secret: e.target.value })}
            />
          )}
        </Field>
      )}
    </>
  );
}
