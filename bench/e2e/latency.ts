import { startReceiver } from '../../test/fakes/webhook-receiver.js';
import type { BenchContext, BenchSection } from './context.js';
import { nowMs, sleep } from './context.js';
import { GeneratorSet } from './generator.js';
import { LagGauge, waitForTails } from './lag.js';
import { round, summarize } from './stats.js';

const LATENCY_RATES = [1_000, 20_000];
const LATENCY_CONTAINERS = 10;
/** Webhooks per second asked for whatever the background rate (every n-th hit notifies). */
const WEBHOOKS_PER_SECOND = 10;

/** The send time (ms) the generator wrote into a matching line, or null. */
export function sentMs(message: string): number | null {
  const m = / sent=(\d+)/.exec(message);
  return m ? Number(BigInt(m[1]!) / 1000n) / 1000 : null;
}

/** Line → SSE arrival on /api/stream/events, one sample per event the window sent. */
async function openEventStream(
  ctx: BenchContext,
  onMessage: (message: string, at: number) => void,
) {
  const controller = new AbortController();
  const res = await fetch(`${ctx.api.url}/api/stream/events?source=logscan&history=0`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${ctx.api.token}` },
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`event stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const at = nowMs();
        buffer += value;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.startsWith('data: ')) {
            const event = JSON.parse(line.slice(6)) as { message?: string };
            if (event.message) onMessage(event.message, at);
          }
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

/**
 * A trigger that notifies every event it takes, not an incident's opening (issue 15's
 * default); the rules keep their default context, so a webhook still waits for its lines
 * after, as a user's would. A build older than notify_on refuses the field and notifies
 * every event anyway.
 */
async function createTrigger(ctx: BenchContext, body: object): Promise<{ id: number }> {
  try {
    return await ctx.api.post<{ id: number }>('/api/triggers', { ...body, notify_on: ['event'] });
  } catch (err) {
    if (!/→ 400:.*notify_on/.test(String(err))) throw err;
    return ctx.api.post<{ id: number }>('/api/triggers', body);
  }
}

/**
 * Line → event (SSE arrival) and line → webhook (at a loopback receiver) latency, at a
 * background of 1 000 and 20 000 lines/s over ten containers with ~1 % matching. Every
 * matching line carries its send time; the webhook trigger takes every n-th of them
 * (`notify`), about ten a second whatever the background rate.
 */
export const latencySection: BenchSection = {
  name: 'latency',
  async run(ctx) {
    let windowStart = Infinity;
    let windowEnd = Infinity;
    let sse: number[] = [];
    let hooks: number[] = [];
    const inWindow = (sent: number) => sent >= windowStart && sent <= windowEnd;
    const receiver = await startReceiver((request) => {
      const at = nowMs();
      const body = JSON.parse(request.body) as { event?: { message?: string } };
      const sent = sentMs(body.event?.message ?? '');
      if (sent !== null && inWindow(sent)) hooks.push(at - sent);
      request.body = ''; // the receiver keeps every request: keep them small
      return { status: 200 };
    });
    const trigger = await createTrigger(ctx, {
      name: 'bench latency',
      filter: { sources: ['logscan'], message_regex: 'sent=[0-9]+ notify' },
      channel: { type: 'webhook', url: `${receiver.url}/hook` },
    });
    const stream = await openEventStream(ctx, (message, at) => {
      const sent = sentMs(message);
      if (sent !== null && inWindow(sent)) sse.push(at - sent);
    });
    const set = await GeneratorSet.start(ctx.engine, 'latency', LATENCY_CONTAINERS);
    try {
      await waitForTails(ctx, LATENCY_CONTAINERS);
      const gauge = await LagGauge.at(ctx, set);
      for (const rate of LATENCY_RATES) {
        sse = [];
        hooks = [];
        const hitsPerSecond = rate * ctx.options.matchRatio;
        const notifyEvery = Math.max(1, Math.round(hitsPerSecond / WEBHOOKS_PER_SECOND));
        set.load({ totalRate: rate, matchRatio: ctx.options.matchRatio, notifyEvery });
        await sleep(3000);
        windowStart = nowMs();
        const seconds = Math.max(10, ctx.options.cellSeconds + 5);
        await sleep(seconds * 1000);
        windowEnd = nowMs();
        set.idle();
        await gauge.drain();
        await sleep(3000); // the last webhooks of the window
        const expectedHits = Math.round(hitsPerSecond * seconds);
        const summary = (xs: number[]) => {
          const s = summarize(xs);
          return {
            count: s.count,
            p50_ms: round(s.p50),
            p99_ms: round(s.p99),
            max_ms: round(s.max),
          };
        };
        ctx.emit({
          section: 'latency',
          containers: LATENCY_CONTAINERS,
          rate,
          window_seconds: seconds,
          expected_hits: expectedHits,
          line_to_event: summary(sse),
          line_to_webhook: summary(hooks),
          notify_every: notifyEvery,
        });
      }
    } finally {
      await stream.close();
      await set.remove();
      await ctx.api.delete(`/api/triggers/${trigger.id}`).catch(() => undefined);
      await receiver.close();
      await waitForTails(ctx, 0);
    }
  },
};
