import { CompiledQuery } from 'kysely';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore, type TestStore } from '../../test/support/databases.js';
import { EventBus } from '../events/bus.js';
import type { NewEvent } from '../events/model.js';
import { EventRepository } from '../events/repository.js';
import { EventLog } from '../events/service.js';
import { RuleRepository } from '../rules/repository.js';
import { DeliveryRepository } from '../triggers/outbox/delivery-repository.js';
import { TriggerDispatcher } from '../triggers/outbox/dispatcher.js';
import { EMPTY_FILTER, type NotifyOn, type TriggerFields } from '../triggers/model.js';
import { TriggerRepository } from '../triggers/repository.js';
import { IncidentRepository } from './repository.js';
import { SilenceRepository } from './silence-repository.js';
import { IncidentSweep, type LastFault } from './sweep.js';
import { IncidentTracker } from './tracker.js';

const log = pino({ level: 'silent' });
const T0 = 1_700_000_000_000;
const DEFAULT_QUIET = 60;

function harness(store: TestStore, lastFault?: LastFault) {
  const db = store.db;
  let now = T0;
  const events = new EventRepository(db);
  const eventLog = new EventLog(db, events, new EventBus(), () => now);
  const repo = new IncidentRepository(db);
  const rules = new RuleRepository(db);
  const tracker = new IncidentTracker({
    repo,
    links: { link: (id, ids, tx) => events.linkIncident(id, ids, tx) },
    quiet: {
      forRule: (id, tx) => rules.resolveAfterSeconds(id, tx),
      defaultSeconds: DEFAULT_QUIET,
    },
  });
  tracker.attach(eventLog);
  const sweep = new IncidentSweep({
    db,
    repo,
    log,
    intervalMs: 60_000,
    lastFault,
    now: () => now,
  });
  const triggers = new TriggerRepository(db);
  const outbox = new DeliveryRepository(db);
  const dispatcher = new TriggerDispatcher({
    triggers,
    outbox,
    worker: { wake: () => undefined },
    log,
    now: () => now,
  });
  const hit = (over: Partial<NewEvent> = {}): NewEvent => ({
    source: 'logscan',
    severity: 'error',
    message: 'boom',
    container_id: 'c1',
    rule_id: 1,
    created_at: now,
    ...over,
  });
  const trigger = (notify_on: NotifyOn[], over: Partial<TriggerFields> = {}) =>
    triggers.insert(
      {
        name: notify_on.join('+'),
        enabled: true,
        filter: EMPTY_FILTER,
        channel: { type: 'slack', url: 'https://hooks.example.net/x', text_template: null },
        secret: 'whsec_x',
        disabled_reason: null,
        notify_on,
        repeat_interval_seconds: 0,
        context_wait_seconds: 0,
        group_wait_seconds: 0,
        group_interval_seconds: 0,
        ...over,
      },
      T0,
    );
  const deliveries = async (triggerId: number) =>
    (await outbox.list({ trigger_id: triggerId })).items
      .reverse()
      .map((d) => [d.transition, d.event_id, d.incident_id]);
  return {
    db,
    eventLog,
    events,
    repo,
    tracker,
    sweep,
    dispatcher,
    hit,
    trigger,
    deliveries,
    rules,
    setNow: (t: number) => {
      now = t;
    },
  };
}

describe.each(DIALECTS)('incidents on %s', (dialect) => {
  const store = useTestStore(dialect);

  it('opens an incident with the first event and counts the next ones into it', async () => {
    const h = harness(store());
    const first = await h.eventLog.record(h.hit({ message: 'first' }));
    h.setNow(T0 + 1000);
    const batch = await h.eventLog.recordBatch([
      h.hit({ message: 'second', severity: 'warn' }),
      h.hit({ message: 'third', severity: 'critical' }),
      h.hit({ message: 'other container', container_id: 'c2' }),
    ]);
    const [open] = (await h.repo.list({ state: 'open', container_id: 'c1' })).items;
    expect(open).toMatchObject({
      key: 'rule:1:container:c1',
      state: 'open',
      count: 3,
      first_seen: T0,
      last_seen: T0 + 1000,
      first_event_id: first.id,
      last_event_id: batch[1]!.id,
      last_message: 'third',
      severity: 'critical',
      resolve_after_seconds: DEFAULT_QUIET,
      quiet_at: T0 + 1000 + DEFAULT_QUIET * 1000,
    });
    // Each event knows its incident: the one record() returned and the stored row.
    expect([first, ...batch.slice(0, 2)].map((e) => e.incident_id)).toEqual([
      open!.id,
      open!.id,
      open!.id,
    ]);
    expect((await h.events.get(batch[1]!.id))?.incident_id).toBe(open!.id);
    const other = batch[2]!.incident_id;
    expect(other).not.toBe(open!.id);
    expect((await h.repo.get(other!))?.count).toBe(1);
    const listed = await h.events.list({ incident_id: open!.id }, {});
    expect(listed.items.map((e) => e.message)).toEqual(['third', 'second', 'first']);
  });

  it('resolves on a clearing event (healthy again, metadata.resolves), and a later event opens a new one', async () => {
    const h = harness(store());
    const lifecycle = (kind: string): NewEvent => ({
      source: 'docker',
      severity: kind === 'recovered' ? 'info' : 'warn',
      message: kind,
      container_id: 'c1',
      metadata: { kind },
    });
    const sick = await h.eventLog.record(lifecycle('unhealthy'));
    h.setNow(T0 + 5000);
    const well = await h.eventLog.record(lifecycle('recovered'));
    const resolved = await h.repo.get(sick.incident_id!);
    expect(resolved).toMatchObject({
      state: 'resolved',
      count: 1,
      resolved_at: T0 + 5000,
      resolve_reason: 'cleared',
      resolved_by_event_id: well.id,
    });
    expect(well.incident_id).toBe(sick.incident_id);
    // Nothing open with its key: the clearing event belongs to no incident.
    const stray = await h.eventLog.record(lifecycle('recovered'));
    expect(stray.incident_id).toBeNull();
    const again = await h.eventLog.record(lifecycle('unhealthy'));
    expect(again.incident_id).not.toBe(sick.incident_id);

    const hit = await h.eventLog.record(h.hit({ metadata: { group_key: 'container:c1' } }));
    const back = await h.eventLog.record(
      h.hit({ severity: 'info', metadata: { group_key: 'container:c1', resolves: true } }),
    );
    expect(back.incident_id).toBe(hit.incident_id);
    expect((await h.repo.get(hit.incident_id!))?.state).toBe('resolved');
  });

  it('takes a rule’s own resolve_after_seconds, the default otherwise', async () => {
    const h = harness(store());
    const rule = await h.rules.insert(
      {
        name: 'r',
        pattern: 'x',
        severity: 'error',
        stream: 'both',
        cooldown_seconds: 0,
        enabled: true,
        scope: 'global',
        workload_id: null,
        overrides_rule_id: null,
        resolve_after_seconds: 5,
        condition: { type: 'line' },
        context: { before: 0, after: 0, multiline: false },
      },
      T0,
    );
    const own = await h.eventLog.record(h.hit({ rule_id: rule.id }));
    const other = await h.eventLog.record(h.hit({ rule_id: rule.id + 100 }));
    expect((await h.repo.get(own.incident_id!))?.quiet_at).toBe(T0 + 5000);
    expect((await h.repo.get(other.incident_id!))?.quiet_at).toBe(T0 + DEFAULT_QUIET * 1000);
  });

  it('commits nothing when a later write of the append fails: no event without its incident count', async () => {
    const h = harness(store());
    await h.eventLog.record(h.hit());
    const detach = h.tracker.withinAppend(async () => {
      throw new Error('disk full');
    });
    await expect(h.eventLog.record(h.hit())).rejects.toThrow('disk full');
    detach();
    const [open] = (await h.repo.list({})).items;
    expect(open?.count).toBe(1);
    expect(await h.events.count()).toBe(1);
  });

  it('resolves a quiet incident in the sweep, and a new event afterwards opens a new one', async () => {
    const h = harness(store());
    const e = await h.eventLog.record(h.hit());
    h.setNow(T0 + DEFAULT_QUIET * 1000 - 1);
    expect((await h.sweep.run()).resolved).toBe(0);
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    expect((await h.sweep.run()).resolved).toBe(1);
    expect(await h.repo.get(e.incident_id!)).toMatchObject({
      state: 'resolved',
      resolve_reason: 'quiet',
      resolved_at: T0 + DEFAULT_QUIET * 1000,
    });
    const next = await h.eventLog.record(h.hit());
    expect(next.incident_id).not.toBe(e.incident_id);
    expect((await h.repo.list({ state: 'open' })).items).toHaveLength(1);
  });

  it('keeps a crash incident open while the container keeps exiting (a restart loop records no event per restart)', async () => {
    let lastExit = T0;
    const h = harness(store(), async (incident) =>
      incident.key.startsWith('crash:') ? lastExit : null,
    );
    const crash = await h.eventLog.record({
      source: 'docker',
      severity: 'error',
      message: 'exited with code 1',
      container_id: 'c1',
      metadata: { kind: 'crash' },
    });
    lastExit = T0 + 50_000;
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    expect((await h.sweep.run()).resolved).toBe(0);
    expect((await h.repo.get(crash.incident_id!))?.quiet_at).toBe(lastExit + DEFAULT_QUIET * 1000);
    h.setNow(lastExit + DEFAULT_QUIET * 1000);
    expect((await h.sweep.run()).resolved).toBe(1);
    expect((await h.repo.get(crash.incident_id!))?.state).toBe('resolved');
  });

  it('notifies each trigger the transitions it asked for: opened once, every event, resolved once', async () => {
    const h = harness(store());
    const transitions = await h.trigger(['opened', 'resolved']);
    const every = await h.trigger(['event']);
    const both = await h.trigger(['event', 'opened', 'resolved']);
    await h.dispatcher.start(h.tracker, h.sweep);

    const first = await h.eventLog.record(h.hit());
    const rest = await h.eventLog.recordBatch([h.hit(), h.hit(), h.hit()]);
    const system = await h.eventLog.record({ source: 'system', severity: 'warn', message: 's' });
    const incident = first.incident_id!;
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    await h.sweep.run();
    // Sweeping again stages nothing more.
    await h.sweep.run();

    expect(await h.deliveries(transitions.id)).toEqual([
      ['opened', first.id, incident],
      ['event', system.id, null],
      ['resolved', rest[2]!.id, incident],
    ]);
    expect(await h.deliveries(every.id)).toEqual([
      ['event', first.id, null],
      ...rest.map((e) => ['event', e.id, null]),
      ['event', system.id, null],
    ]);
    expect(await h.deliveries(both.id)).toEqual([
      ['opened', first.id, incident],
      ...rest.map((e) => ['event', e.id, null]),
      ['event', system.id, null],
      ['resolved', rest[2]!.id, incident],
    ]);
    await h.dispatcher.stop();
  });

  it('keeps the host of the event that opened it, so a host filter follows it to its quiet resolution', async () => {
    const h = harness(store());
    const edge = await h.trigger(['opened', 'resolved'], {
      filter: { ...EMPTY_FILTER, hosts: ['edge-1'] },
    });
    const elsewhere = await h.trigger(['opened', 'resolved'], {
      filter: { ...EMPTY_FILTER, hosts: ['local'] },
    });
    await h.dispatcher.start(h.tracker, h.sweep);
    const first = await h.eventLog.record(h.hit({ host_id: 'edge-1' }));
    const incident = first.incident_id!;
    expect((await h.repo.get(incident))?.host_id).toBe('edge-1');
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    await h.sweep.run();
    expect(await h.deliveries(edge.id)).toEqual([
      ['opened', first.id, incident],
      ['resolved', first.id, incident],
    ]);
    expect(await h.deliveries(elsewhere.id)).toEqual([]);
    await h.dispatcher.stop();
  });

  it('stages a resolved notice with the event that cleared the incident', async () => {
    const h = harness(store());
    const t = await h.trigger(['opened', 'resolved']);
    await h.dispatcher.start(h.tracker, h.sweep);
    const sick = await h.eventLog.record({
      source: 'docker',
      severity: 'warn',
      message: 'unhealthy',
      container_id: 'c1',
      metadata: { kind: 'unhealthy' },
    });
    const well = await h.eventLog.record({
      source: 'docker',
      severity: 'warn',
      message: 'healthy again',
      container_id: 'c1',
      metadata: { kind: 'recovered' },
    });
    expect(await h.deliveries(t.id)).toEqual([
      ['opened', sick.id, sick.incident_id],
      ['resolved', well.id, sick.incident_id],
    ]);
    await h.dispatcher.stop();
  });

  it('tells the resolution to a trigger whose filter took the incident, not the info event that cleared it', async () => {
    const h = harness(store());
    const t = await h.trigger(['opened', 'resolved'], {
      filter: { ...EMPTY_FILTER, severities: ['warn', 'error', 'critical'] },
    });
    await h.dispatcher.start(h.tracker, h.sweep);
    const sick = await h.eventLog.record({
      source: 'docker',
      severity: 'warn',
      message: 'unhealthy',
      container_id: 'c1',
      metadata: { kind: 'unhealthy' },
    });
    const well = await h.eventLog.record({
      source: 'docker',
      severity: 'info',
      message: 'healthy again',
      container_id: 'c1',
      metadata: { kind: 'recovered' },
    });
    expect(await h.deliveries(t.id)).toEqual([
      ['opened', sick.id, sick.incident_id],
      ['resolved', well.id, sick.incident_id],
    ]);
    await h.dispatcher.stop();
  });

  it('reminds every repeat_interval while open, once per interval, and not without reminder in notify_on', async () => {
    const h = harness(store());
    const reminded = await h.trigger(['opened', 'reminder'], { repeat_interval_seconds: 20 });
    const quiet = await h.trigger(['opened'], { repeat_interval_seconds: 20 });
    await h.dispatcher.start(h.tracker, h.sweep);
    const first = await h.eventLog.record(h.hit());
    const incident = first.incident_id!;
    h.setNow(T0 + 19_000);
    await h.sweep.run();
    // Keep it open: an event every 15 s.
    const later = await h.eventLog.record(h.hit());
    h.setNow(T0 + 20_000);
    await h.sweep.run();
    await h.sweep.run();
    h.setNow(T0 + 41_000);
    await h.sweep.run();
    expect(await h.deliveries(reminded.id)).toEqual([
      ['opened', first.id, incident],
      ['reminder', later.id, incident],
      ['reminder', later.id, incident],
    ]);
    const rows = (await new DeliveryRepository(h.db).list({ trigger_id: reminded.id })).items;
    expect(rows.filter((d) => d.transition === 'reminder')).toHaveLength(2);
    expect(await h.deliveries(quiet.id)).toEqual([['opened', first.id, incident]]);
    await h.dispatcher.stop();
  });

  it('notifies nothing of an incident a silence muted: no opened, no reminder, no resolved', async () => {
    const h = harness(store());
    const t = await h.trigger(['opened', 'reminder', 'resolved'], { repeat_interval_seconds: 10 });
    await h.dispatcher.start(h.tracker, h.sweep);
    const unmark = h.eventLog.markBeforeAppend((rows) => {
      for (const row of rows) row.silenced_by = 99;
    });
    const muted = await h.eventLog.record(h.hit());
    unmark();
    expect(muted.incident_id).not.toBeNull();
    h.setNow(T0 + 20_000);
    await h.sweep.run();
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    await h.sweep.run();
    expect((await h.repo.get(muted.incident_id!))?.state).toBe('resolved');
    expect(await h.deliveries(t.id)).toEqual([]);
    // Another container, not silenced: notified as usual.
    const loud = await h.eventLog.record(h.hit({ container_id: 'c2' }));
    expect(await h.deliveries(t.id)).toEqual([['opened', loud.id, loud.incident_id]]);
    await h.dispatcher.stop();
  });

  it('tells the resolution of an incident whose opening was told when its silence ended', async () => {
    const h = harness(store());
    const t = await h.trigger(['opened', 'reminder', 'resolved'], { repeat_interval_seconds: 10 });
    await h.dispatcher.start(h.tracker, h.sweep);
    const silences = new SilenceRepository(h.db);
    const silence = await silences.insert(
      {
        matchers: {
          rules: [1],
          containers: [],
          workloads: [],
          hosts: [],
          severities: [],
          message_regex: '',
        },
        starts_at: T0,
        ends_at: T0 + 5000,
        comment: 'deploy',
        author: 'root',
        schedule: null,
      },
      T0,
    );
    const unmark = h.eventLog.markBeforeAppend((rows) => {
      for (const row of rows) row.silenced_by = silence.id;
    });
    const muted = await h.eventLog.record(h.hit());
    unmark();
    const incident = muted.incident_id!;
    // The silence ends with the incident still open: its opening is told now (as the
    // silences' end hook does), and from then on it notifies like any other.
    h.setNow(T0 + 5000);
    await h.db.transaction().execute(async (tx) => {
      expect(await silences.markReleased(silence.id, T0 + 5000, tx)).toBe(true);
      await h.dispatcher.stageOpened(tx, await h.repo.openSilencedBy(silence.id, tx));
    });
    h.setNow(T0 + 20_000);
    await h.sweep.run();
    h.setNow(T0 + DEFAULT_QUIET * 1000);
    await h.sweep.run();
    expect((await h.repo.get(incident))?.state).toBe('resolved');
    expect(await h.deliveries(t.id)).toEqual([
      ['opened', muted.id, incident],
      ['reminder', muted.id, incident],
      ['resolved', muted.id, incident],
    ]);
    await h.dispatcher.stop();
  });

  it('finds the incidents a silence held back through their first events, not a scan of the event log', async () => {
    const h = harness(store());
    const unmark = h.eventLog.markBeforeAppend((rows) => {
      for (const row of rows) if (row.container_id === 'c1') row.silenced_by = 7;
    });
    const muted = await h.eventLog.record(h.hit());
    await h.eventLog.record(h.hit({ container_id: 'c2' }));
    unmark();
    let compiled: CompiledQuery | undefined;
    const spied = h.db.withPlugin({
      transformQuery: (args) => {
        compiled = h.db.getExecutor().compileQuery(args.node, args.queryId);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const held = await h.repo.openSilencedBy(7, spied);
    expect(held.map((i) => i.id)).toEqual([muted.incident_id]);
    if (dialect === 'sqlite') {
      const plan = await h.db.executeQuery(
        CompiledQuery.raw(`explain query plan ${compiled!.sql}`, [...compiled!.parameters]),
      );
      const details = (plan.rows as { detail: string }[]).map((r) => r.detail).join('\n');
      expect(details).not.toMatch(/SCAN event_log\b/);
    }
  });

  it('keeps an incident an append is joining open while the sweep would resolve it', async () => {
    const h = harness(store());
    const first = await h.eventLog.record(h.hit());
    const key = 'rule:1:container:c1';
    const late = T0 + DEFAULT_QUIET * 1000 + 1000;
    h.setNow(late);
    let swept: Promise<unknown> | undefined;
    await h.db.transaction().execute(async (tx) => {
      // An append past the quiet time has read the open incident (as the tracker does)…
      const open = (await h.repo.openByKeys([key], tx)).get(key)!;
      expect(open.id).toBe(first.incident_id);
      // …when the sweep comes for it; give it the time to get as far as it can.
      swept = h.sweep.run();
      await Promise.race([swept, new Promise((resolve) => setTimeout(resolve, 500))]);
      await h.repo.grow(
        open.id,
        {
          count: open.count + 1,
          last_seen: late,
          last_event_id: open.last_event_id,
          last_message: open.last_message,
          severity: open.severity,
          quiet_at: late + DEFAULT_QUIET * 1000,
        },
        tx,
      );
    });
    await swept;
    // The event joined an open incident: it is not resolved behind the append's back.
    expect(await h.repo.get(first.incident_id!)).toMatchObject({ state: 'open', count: 2 });
  });

  it('lets two appends that open the same incident at once both commit, into one incident', async () => {
    const h = harness(store());
    let hold: Promise<void> | null = null;
    let release = () => undefined as void;
    const held = new Promise<void>((resolve) => (release = resolve));
    h.tracker.withinAppend(async () => {
      // The first append waits, its new incident not committed yet, while the second comes.
      if (hold === null) {
        hold = held;
        await held;
      }
    });
    const a = h.eventLog.record(h.hit({ message: 'a' }));
    while (hold === null) await new Promise((resolve) => setTimeout(resolve, 10));
    const b = h.eventLog.record(h.hit({ message: 'b' }));
    // Give the second the time to reach the insert the first holds back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    const [first, second] = await Promise.all([a, b]);
    expect(second.incident_id).toBe(first.incident_id);
    expect(await h.repo.get(first.incident_id!)).toMatchObject({
      state: 'open',
      count: 2,
      last_event_id: second.id,
    });
  });

  it('reads the incident with a due delivery, for the payload', async () => {
    const h = harness(store());
    await h.trigger(['opened', 'resolved']);
    await h.dispatcher.start(h.tracker, h.sweep);
    const first = await h.eventLog.record(h.hit());
    await h.eventLog.record(h.hit());
    h.setNow(T0 + DEFAULT_QUIET * 1000 + 1000);
    await h.sweep.run();
    const due = await new DeliveryRepository(h.db).due(T0 + 10 * DEFAULT_QUIET * 1000, 10, []);
    expect(due.map((d) => d.transition)).toEqual(['opened', 'resolved']);
    expect(due[1]!.incident).toMatchObject({
      id: first.incident_id,
      state: 'resolved',
      count: 2,
      first_seen: T0,
      resolved_at: T0 + DEFAULT_QUIET * 1000 + 1000,
      resolve_reason: 'quiet',
    });
    await h.dispatcher.stop();
  });
});
