import { useCallback, useEffect, useMemo, useState } from 'react';
import { systemApi, type AuditFilter } from '../../api/system';
import type { JournalEntry } from '../../api/types';
import { ErrorMessage } from '../../components/errors';
import { PageHeader } from '../../components/page';
import { ExactTime } from '../../components/time';
import { useInfiniteScroll } from '../../hooks/use-infinite-scroll';
import { useSearchParams } from '../../router/router';
import { useSession } from '../../shell/session';
import { fromLocalInput, toLocalInput } from '../events/filters';

const KEYS = ['actor', 'action', 'object', 'success', 'since', 'until'] as const;

/** The entry's details on one line (secrets were removed by the server). */
function detailText(e: JournalEntry): string {
  return e.details && Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : '';
}

/** Every operation: who did what to which object, and whether it worked (admins only). */
export function JournalPage() {
  const { canEdit } = useSession();
  if (!canEdit)
    return (
      <>
        <PageHeader title="Journal" />
        <p className="empty">The operations journal is for admins.</p>
      </>
    );
  return <Journal />;
}

function Journal() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => {
    const f: AuditFilter = {};
    for (const k of KEYS) {
      const v = params.get(k);
      if (v) f[k] = v;
    }
    return f;
  }, [params]);
  const key = params.toString();
  const [items, setItems] = useState<JournalEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();

  const load = useCallback(
    async (before: number | null) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await systemApi.audit(filter, before);
        setItems((current) => (before === null ? page.items : [...current, ...page.items]));
        setNext(page.next);
        setLoaded(true);
      } catch (err) {
        setError(err);
      } finally {
        setLoading(false);
      }
    },
    [filter],
  );

  useEffect(() => {
    setItems([]);
    setLoaded(false);
    void load(null);
    // The filter (in the URL) decides what to read.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const sentinel = useInfiniteScroll<HTMLDivElement>(
    () => void load(next),
    loaded && next !== null && !loading,
  );
  const set = (k: (typeof KEYS)[number], value: string | undefined) => {
    const copy = new URLSearchParams(params);
    if (value) copy.set(k, value);
    else copy.delete(k);
    setParams(copy);
  };

  return (
    <>
      <PageHeader title="Journal" />
      <form
        className="filters"
        role="search"
        aria-label="Journal filters"
        onSubmit={(e) => e.preventDefault()}
      >
        {(['actor', 'action', 'object'] as const).map((k) => (
          <label key={k}>
            <span>{k[0]!.toUpperCase() + k.slice(1)}</span>
            <input
              key={`${k}:${filter[k] ?? ''}`}
              name={k}
              defaultValue={filter[k] ?? ''}
              onBlur={(e) => set(k, e.target.value.trim() || undefined)}
              onKeyDown={(e) =>
                e.key === 'Enter' && set(k, e.currentTarget.value.trim() || undefined)
              }
            />
          </label>
        ))}
        <label>
          <span>Outcome</span>
          <select
            name="success"
            value={filter.success ?? ''}
            onChange={(e) => set('success', e.target.value || undefined)}
          >
            <option value="">any</option>
            <option value="true">succeeded</option>
            <option value="false">failed</option>
          </select>
        </label>
        <label>
          <span>From</span>
          <input
            type="datetime-local"
            value={toLocalInput(filter.since)}
            onChange={(e) => set('since', fromLocalInput(e.target.value))}
          />
        </label>
        <label>
          <span>Until</span>
          <input
            type="datetime-local"
            value={toLocalInput(filter.until)}
            onChange={(e) => set('until', fromLocalInput(e.target.value))}
          />
        </label>
      </form>
      <ErrorMessage error={error} />
      {loaded && items.length === 0 && <p className="empty">Nothing in the journal matches.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="journal">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th className="hide-narrow">Source</th>
                <th>What</th>
                <th className="hide-narrow">Object</th>
                <th>Outcome</th>
                <th className="hide-narrow">Detail</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td className="nowrap">
                    <ExactTime iso={e.time} />
                  </td>
                  <td>{e.actor}</td>
                  <td className="hide-narrow muted">{e.source}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td className="hide-narrow">{e.object ?? ''}</td>
                  <td>
                    {e.success ? (
                      <span className="badge delivery-ok">ok</span>
                    ) : (
                      <span className="badge delivery-bad" title={e.error_code ?? undefined}>
                        failed
                      </span>
                    )}
                    {!e.success && e.error_code && (
                      <code className="error-code hide-narrow">{e.error_code}</code>
                    )}
                  </td>
                  <td className="hide-narrow small ellipsis" title={detailText(e)}>
                    {detailText(e)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div ref={sentinel} className="list-end muted small">
        {loading ? 'Loading…' : ''}
      </div>
    </>
  );
}
