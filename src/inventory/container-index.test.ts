import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DIALECTS, useTestStore } from '../../test/support/databases.js';
import type {
  ContainerInspect,
  ContainerSummary,
  DockerEvent,
  EventsOptions,
  LogLine,
} from '../docker/index.js';
import { AppError, ErrorCode } from '../errors.js';
import type { NewEvent } from '../events/model.js';
import { ContainerIndex, type InventoryDocker } from './container-index.js';
import { ContainerRepository } from './container-repository.js';
import { LifecycleRepository } from './lifecycle-repository.js';
import type { ContainerChange } from './model.js';
import { WorkloadRepository } from './workload-repository.js';

interface FakeContainer {
  id: string;
  name: string;
  state: string;
  labels?: Record<string, string>;
  exitCode?: number;
  restartCount?: number;
}

/** An in-memory engine for the index's logic; the real engine is in test/e2e. */
class FakeDocker implements InventoryDocker {
  containers = new Map<string, FakeContainer>();
  /** Docker's event history: what `remove` reported. */
  history: DockerEvent[] = [];
  inspects = 0;
  lists = 0;
  /** Runs once, right after the next list: Docker changing while a pass works. */
  afterList: (() => Promise<void>) | null = null;

  add(c: FakeContainer) {
    this.containers.set(c.id, c);
  }

  /** Removes a container as `docker rm` does: with a destroy event in the history. */
  remove(id: string, at = Date.now()) {
    const name = this.containers.get(id)?.name ?? '';
    this.containers.delete(id);
    const event = destroyEvent(id, name, at);
    this.history.push(event);
    return event;
  }

  async events(options: EventsOptions): Promise<AsyncIterable<DockerEvent>> {
    const ids = options.filters?.container;
    const until = (options.until ?? Infinity) * 1e9;
    const since = Number(options.sinceNanos ?? 0n);
    const events = this.history.filter(
      (e) => (!ids || ids.includes(e.Actor.ID)) && e.timeNano >= since && e.timeNano <= until,
    );
    return (async function* () {
      yield* events;
    })();
  }

  async listContainers(): Promise<ContainerSummary[]> {
    this.lists++;
    const list = [...this.containers.values()].map((c) => ({
      Id: c.id,
      Names: [`/${c.name}`],
      Image: 'img',
      Labels: c.labels ?? {},
      State: c.state,
      Status: c.state,
      Created: 0,
    }));
    const after = this.afterList;
    this.afterList = null;
    await after?.();
    return list;
  }

  async inspectContainer(id: string): Promise<ContainerInspect> {
    this.inspects++;
    const c = this.containers.get(id);
    if (!c) throw new AppError(ErrorCode.DockerContainerNotFound, `container ${id} not found`);
    return {
      Id: c.id,
      Name: `/${c.name}`,
      Created: '2026-01-01T00:00:00Z',
      RestartCount: c.restartCount ?? 0,
      Config: { Image: 'img', Tty: false, Labels: c.labels ?? {} },
      State: {
        Status: c.state,
        Running: c.state === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        ExitCode: c.exitCode ?? 0,
        StartedAt: '2026-01-01T00:00:01Z',
        FinishedAt: '0001-01-01T00:00:00Z',
      },
      HostConfig: { LogConfig: { Type: 'json-file' } },
    };
  }

  async logs(): Promise<AsyncIterable<LogLine>> {
    return (async function* () {})();
  }
}

function destroyEvent(id: string, name: string, at: number): DockerEvent {
  return {
    Type: 'container',
    Action: 'destroy',
    Actor: { ID: id, Attributes: { name } },
    time: Math.floor(at / 1000),
    timeNano: at * 1e6,
  };
}

class FailingWorkloads extends WorkloadRepository {
  fail = false;
  override async list() {
    if (this.fail) throw new Error('database is locked');
    return super.list();
  }
}

for (const dialect of DIALECTS) {
  describe(`ContainerIndex (${dialect})`, () => {
    const store = useTestStore(dialect);

    function setup(composeDiscovery = true, docker = new FakeDocker()) {
      const containers = new ContainerRepository(store().db);
      const workloads = new FailingWorkloads(store().db);
      const recorded: NewEvent[] = [];
      const changes: ContainerChange[] = [];
      const index = new ContainerIndex({
        docker,
        containers,
        workloads,
        events: { record: async (e: NewEvent) => recorded.push(e) },
        log: pino({ level: 'silent' }),
        options: { composeDiscovery, restartLoopCount: 3, restartLoopWindowMs: 300_000 },
        lifecycleMemory: new LifecycleRepository(store().db),
      });
      index.onChange((c) => changes.push(c));
      return { docker, containers, workloads, index, recorded, changes };
    }

    function event(id: string, action: string, at: number, attributes = {}): DockerEvent {
      return {
        Type: 'container',
        Action: action,
        Actor: { ID: id, Attributes: attributes },
        time: Math.floor(at / 1000),
        timeNano: at * 1e6,
      };
    }

    it('lets no pass undo what events applied while it ran: no false "gone", no lost rename', async () => {
      const { docker, containers, index, recorded, changes } = setup();
      const id = '5'.repeat(64);
      docker.add({ id, name: 'shop_web_1', state: 'running' });
      await index.syncAll();
      // As compose recreates a service: the pass has listed the old container, stopped;
      // before it gets to it, Docker renames and removes it and says so.
      docker.containers.get(id)!.state = 'exited';
      const applied: Promise<void>[] = [];
      docker.afterList = async () => {
        docker.containers.get(id)!.name = `${id.slice(0, 12)}_shop_web_1`;
        applied.push(
          index.applyEvent(
            event(id, 'rename', Date.now(), { name: `${id.slice(0, 12)}_shop_web_1` }),
          ),
        );
        applied.push(index.applyEvent(docker.remove(id)));
      };
      const report = await index.syncAll();
      await Promise.all(applied);
      expect(report.missing).toBe(0);
      expect(await containers.get(id)).toMatchObject({
        state: 'missing',
        name: `${id.slice(0, 12)}_shop_web_1`,
      });
      expect(changes.filter((c) => c.type === 'gone')).toHaveLength(1);
      expect(recorded).toEqual([]);
    });

    it('raises no "gone" for a removal Docker reported that the stream has not applied yet', async () => {
      const { docker, containers, index, recorded } = setup();
      const id = '6'.repeat(64);
      docker.add({ id, name: 'api', state: 'running' });
      await index.syncAll();
      docker.remove(id); // in Docker's history; the events stream is behind
      expect((await index.syncAll()).missing).toBe(1);
      expect((await containers.get(id))?.state).toBe('missing');
      expect(recorded).toEqual([]);
    });

    it('remembers across restarts which exit it judged and which restart loop it reported', async () => {
      const id = '7'.repeat(64);
      const docker = new FakeDocker();
      docker.add({ id, name: 'flappy', state: 'running' });
      const first = setup(true, docker);
      await first.index.syncAll();
      docker.containers.get(id)!.state = 'exited';
      docker.containers.get(id)!.exitCode = 2;
      const die = event(id, 'die', 1_700_000_000_000, { exitCode: '2' });
      await first.index.applyEvent(die);
      for (let restarts = 1; restarts <= 3; restarts++) {
        docker.containers.get(id)!.restartCount = restarts;
        await first.index.applyEvent(event(id, 'start', 1_700_000_001_000 + restarts));
      }
      expect(first.recorded.map((e) => e.metadata?.kind)).toEqual(['crash', 'restart_loop']);

      // Logwarden restarts: a new index over the same database; Docker replays the die.
      const second = setup(true, docker);
      await second.index.syncAll();
      await second.index.applyEvent(die);
      for (let restarts = 4; restarts <= 6; restarts++) {
        docker.containers.get(id)!.restartCount = restarts;
        await second.index.applyEvent(event(id, 'start', 1_700_000_002_000 + restarts));
      }
      expect(second.recorded).toEqual([]);

      // A new exit is still judged.
      docker.containers.get(id)!.state = 'exited';
      await second.index.applyEvent(event(id, 'die', 1_700_000_003_000, { exitCode: '2' }));
      await second.index.applyEvent(docker.remove(id));
      const third = setup(true, docker);
      await third.index.syncAll();
      expect(await new LifecycleRepository(store().db).get(id)).toBeNull();
    });

    it('indexes containers with their workload and publishes starts', async () => {
      const { docker, containers, workloads, index, changes } = setup();
      await workloads.insert({ id: 'shop', name: 'Shop', kind: 'custom', created_at: 1 });
      docker.add({
        id: 'a'.repeat(64),
        name: 'web',
        state: 'running',
        labels: { 'logwarden.workload': 'shop' },
      });
      docker.add({
        id: 'b'.repeat(64),
        name: 'db',
        state: 'exited',
        labels: { 'com.docker.compose.project': 'Blog', 'com.docker.compose.service': 'db' },
      });
      docker.add({
        id: 'c'.repeat(64),
        name: 'forged',
        state: 'running',
        labels: { 'logwarden.workload': 'nope' },
      });
      const report = await index.syncAll();
      expect(report).toEqual({ seen: 3, inspected: 3, missing: 0 });
      expect((await containers.get('a'.repeat(64)))?.workload_id).toBe('shop');
      const db = await containers.get('b'.repeat(64));
      expect(db).toMatchObject({ workload_id: 'blog', compose_service: 'db', state: 'stopped' });
      expect(await workloads.get('blog')).toMatchObject({ name: 'Blog', kind: 'compose' });
      expect((await containers.get('c'.repeat(64)))?.workload_id).toBeNull();
      expect(
        changes
          .filter((c) => c.type === 'started')
          .map((c) => c.container.name)
          .sort(),
      ).toEqual(['forged', 'web']);
      // New rows say so (the live inventory stream tells "added" from "updated").
      expect(changes.every((c) => c.added === true)).toBe(true);
      changes.length = 0;
      await index.syncAll();
      expect(changes.some((c) => c.added)).toBe(false);
    });

    it('does not register compose projects when discovery is off', async () => {
      const { docker, containers, workloads, index } = setup(false);
      docker.add({
        id: 'd'.repeat(64),
        name: 'x',
        state: 'running',
        labels: { 'com.docker.compose.project': 'p' },
      });
      await index.syncAll();
      expect((await containers.get('d'.repeat(64)))?.workload_id).toBeNull();
      expect(await workloads.list()).toEqual([]);
    });

    it('marks rows missing when Docker no longer has them, once', async () => {
      const { docker, containers, index, recorded, changes } = setup();
      docker.add({ id: 'e'.repeat(64), name: 'gone', state: 'running' });
      await index.syncAll();
      docker.containers.clear();
      expect((await index.syncAll()).missing).toBe(1);
      expect((await index.syncAll()).missing).toBe(0);
      expect((await containers.get('e'.repeat(64)))?.state).toBe('missing');
      expect(changes.filter((c) => c.type === 'gone')).toHaveLength(1);
      expect(recorded.map((e) => [e.severity, e.metadata?.kind])).toEqual([['warn', 'missing']]);
    });

    it('runs one pass at a time, and one waiting pass serves every caller meanwhile', async () => {
      const { docker, index } = setup();
      docker.add({ id: '8'.repeat(64), name: 'steady', state: 'running' });
      let release!: () => void;
      docker.afterList = () => new Promise<void>((resolve) => (release = resolve));
      const first = index.syncAll();
      while (docker.lists === 0) await new Promise((r) => setTimeout(r, 5));
      // The first pass is under way (held after its list): three more callers.
      const more = [index.syncAll(), index.syncAll(), index.syncAll()];
      release();
      await Promise.all([first, ...more]);
      expect(docker.lists).toBe(2);
      expect(more[1]).toBe(more[0]);
      expect(more[2]).toBe(more[0]);
      await index.syncAll();
      expect(docker.lists).toBe(3);
    });

    it('inspects only containers whose state changed', async () => {
      const { docker, index } = setup();
      docker.add({ id: 'f'.repeat(64), name: 'steady', state: 'running' });
      await index.syncAll();
      const before = docker.inspects;
      await index.syncAll();
      expect(docker.inspects).toBe(before);
      docker.containers.get('f'.repeat(64))!.state = 'exited';
      await index.syncAll();
      expect(docker.inspects).toBe(before + 1);
    });

    it('aborts the pass and changes nothing when workloads cannot be read', async () => {
      const { docker, containers, workloads, index, changes } = setup();
      docker.add({ id: '1'.repeat(64), name: 'one', state: 'running' });
      docker.add({ id: '2'.repeat(64), name: 'two', state: 'running' });
      await index.syncAll();
      const rowsBefore = await containers.list();
      changes.length = 0;
      docker.containers.clear(); // would mark both missing if the pass went on
      workloads.fail = true;
      await expect(index.syncAll()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(await containers.list()).toEqual(rowsBefore);
      expect(changes).toEqual([]);
    });

    it('applies events: die records a crash, destroy marks missing without a crash', async () => {
      const { docker, containers, index, recorded } = setup();
      const id = '3'.repeat(64);
      docker.add({ id, name: 'worker', state: 'running' });
      await index.applyEvent({
        Type: 'container',
        Action: 'start',
        Actor: { ID: id, Attributes: {} },
        time: 1,
        timeNano: 1e18,
      });
      docker.containers.get(id)!.state = 'exited';
      docker.containers.get(id)!.exitCode = 1;
      await index.applyEvent({
        Type: 'container',
        Action: 'die',
        Actor: { ID: id, Attributes: { exitCode: '1' } },
        time: 2,
        timeNano: 2e18,
      });
      expect(recorded).toHaveLength(1);
      expect(recorded[0]).toMatchObject({ source: 'docker', severity: 'error', container_id: id });
      docker.containers.delete(id);
      await index.applyEvent({
        Type: 'container',
        Action: 'destroy',
        Actor: { ID: id, Attributes: {} },
        time: 3,
        timeNano: 3e18,
      });
      expect((await containers.get(id))?.state).toBe('missing');
      expect(recorded).toHaveLength(1);
    });

    it('ignores exec and other noise actions', async () => {
      const { docker, index } = setup();
      docker.add({ id: '4'.repeat(64), name: 'h', state: 'running' });
      await index.applyEvent({
        Type: 'container',
        Action: 'exec_start: sh -c true',
        Actor: { ID: '4'.repeat(64), Attributes: {} },
        time: 1,
        timeNano: 1,
      });
      expect(docker.inspects).toBe(0);
    });
  });
}
