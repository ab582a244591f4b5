import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalFiles } from './day-files.js';
import { OperationJournal } from './journal.js';
import type { NewJournalEntry } from './model.js';
import { JournalRetention } from './retention.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-journal-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 25, 23, 59, 0);
const op = (over: Partial<NewJournalEntry> = {}): NewJournalEntry => ({
  actor: 'admin',
  action: 'POST /api/rules',
  object: '/api/rules',
  success: true,
  source: 'api',
  ...over,
});

function journal(dir: string, options: { now?: () => number; secrets?: string[] } = {}) {
  return new OperationJournal({
    files: new JournalFiles(dir),
    now: options.now,
    knownSecrets: () => options.secrets ?? [],
    log: pino({ level: 'silent' }),
  });
}

const lines = (dir: string) =>
  readdirSync(dir)
    .sort()
    .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));

describe('OperationJournal', () => {
  it('appends each operation to the file of its UTC day, then keeps it in the ring', async () => {
    const dir = tempDir();
    let now = T0;
    const j = journal(dir, { now: () => now });
    j.record(op({ object: '/api/rules/1' }));
    now += 2 * 60_000; // past midnight
    j.record(op({ success: false, error_code: 'RULE_INVALID_PATTERN' }));
    j.close();
    expect(readdirSync(dir).sort()).toEqual(['audit-2026-11-25.jsonl', 'audit-2026-11-26.jsonl']);
    const stored = lines(dir).map((l) => JSON.parse(l));
    expect(stored).toMatchObject([
      { id: 1, time: '2026-11-25T23:59:00.000Z', object: '/api/rules/1', success: true },
      { id: 2, success: false, error_code: 'RULE_INVALID_PATTERN', actor: 'admin' },
    ]);
    expect(j.list({}).items.map((e) => e.id)).toEqual([2, 1]);
  });

  it('replays the newest 2000 of 5000 across days and continues the ids', async () => {
    const dir = tempDir();
    let now = T0 - 3 * DAY;
    const first = journal(dir, { now: () => now });
    for (let i = 1; i <= 5000; i++) {
      if (i % 2000 === 0) now += DAY;
      first.record(op({ object: `o${i}` }));
    }
    first.close();
    const second = journal(dir);
    const report = await second.replay();
    expect(report).toMatchObject({ applied: 2000, skipped_malformed: 0, skipped_oversized: 0 });
    const items = second.list({}, { limit: 500 }).items;
    expect(items[0]).toMatchObject({ id: 5000, object: 'o5000' });
    expect(second.stats().total).toBe(2000);
    let oldest = items.at(-1)!.id;
    for (let page = second.list({}, { before: oldest, limit: 500 }); ;) {
      if (page.items.length > 0) oldest = page.items.at(-1)!.id;
      if (page.next === null) break;
      page = second.list({}, { before: page.next, limit: 500 });
    }
    expect(oldest).toBe(3001);
    second.record(op());
    expect(second.list({}, { limit: 1 }).items[0]!.id).toBe(5001);
  });

  it('skips malformed, foreign and oversized lines on replay and counts them', async () => {
    const dir = tempDir();
    const j = journal(dir, { now: () => T0 });
    j.record(op({ object: 'a' }));
    j.close();
    const file = join(dir, 'audit-2026-11-25.jsonl');
    appendFileSync(file, '{"id": 2, "time": "2026-11-25T23:59:00.000Z", "act\n');
    appendFileSync(file, '[1,2,3]\n');
    appendFileSync(
      file,
      `${JSON.stringify({ ...JSON.parse(lines(dir)[0]!), id: 3, details: { x: 'y'.repeat(1024 * 1024) } })}\n`,
    );
    appendFileSync(file, '\n');
    const again = journal(dir, { now: () => T0 });
    again.record(op({ object: 'b' }));
    again.close();
    const replayed = journal(dir);
    expect(await replayed.replay()).toEqual({
      files: 1,
      applied: 2,
      skipped_malformed: 2,
      skipped_oversized: 1,
    });
    expect(replayed.list({}).items.map((e) => e.object)).toEqual(['b', 'a']);
  });

  it('isolates a line torn by a crash so the next one survives', async () => {
    const dir = tempDir();
    const j = journal(dir, { now: () => T0 });
    j.record(op({ object: 'kept' }));
    j.close();
    appendFileSync(join(dir, 'audit-2026-11-25.jsonl'), '{"id":2,"time":"2026-11-25T23:');
    const after = journal(dir, { now: () => T0 });
    await after.replay();
    after.record(op({ object: 'after crash' }));
    after.close();
    const replayed = journal(dir);
    expect(await replayed.replay()).toMatchObject({ applied: 2, skipped_malformed: 1 });
    expect(replayed.list({}).items.map((e) => e.object)).toEqual(['after crash', 'kept']);
  });

  it('starts cold without a directory', async () => {
    const j = journal(join(tempDir(), 'not', 'there'));
    expect(await j.replay()).toEqual({
      files: 0,
      applied: 0,
      skipped_malformed: 0,
      skipped_oversized: 0,
    });
    j.record(op());
    expect(j.stats().total).toBe(1);
  });

  it('never writes secrets: secret keys and known secret values are redacted', async () => {
    const dir = tempDir();
    const secrets = ['hunter2-database-pass', 'xoxb-slack-token-123'];
    const j = journal(dir, { secrets: secrets.slice(0, 1) });
    j.addKnownSecrets(() => secrets.slice(1));
    j.record(
      op({
        action: 'PATCH /api/triggers/:id',
        before: { name: 'ops', url: 'https://hooks.example/x', secret: 'old-signing-secret' },
        after: {
          name: 'ops',
          headers: { Authorization: 'Bearer abc.def' },
          channel: { token: 'xoxb-slack-token-123', note: 'xoxb-slack-token-123' },
        },
        details: {
          password: 'p@ssw0rd-plain',
          dsn: 'postgres://lw:hunter2-database-pass@db/lw',
          list: [{ api_key: 'k-123456789' }],
        },
      }),
    );
    j.record(op({ object: 'user:hunter2-database-pass', source: 'auth', action: 'auth.login' }));
    j.close();
    const text = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('');
    for (const secret of [
      ...secrets,
      'old-signing-secret',
      'Bearer abc.def',
      'p@ssw0rd-plain',
      'k-123456789',
    ])
      expect(text).not.toContain(secret);
    const entry = JSON.parse(lines(dir)[0]!);
    expect(entry.after.name).toBe('ops');
    expect(entry.after.channel.note).toBe('[redacted]');
    expect(entry.details.password).toBe('[redacted]');
  });

  it('filters by actor, action, object, success and time; stats count the ring', () => {
    let now = T0;
    const j = new OperationJournal({ files: null, now: () => now });
    j.record(op({ actor: 'alice', action: 'auth.login', source: 'auth', object: 'alice' }));
    now += 1000;
    j.record(op({ actor: 'bob', success: false, error_code: 'FORBIDDEN' }));
    now += 1000;
    j.record(op({ actor: 'system', action: 'rules.reload', source: 'rules', success: false }));
    now += 1000;
    j.record(op({ actor: 'alice', action: 'DELETE /api/rules/:id', object: '/api/rules/9' }));
    const ids = (f: Parameters<typeof j.list>[0]) => j.list(f).items.map((e) => e.id);
    expect(ids({})).toEqual([4, 3, 2, 1]);
    expect(ids({ actor: 'alice' })).toEqual([4, 1]);
    expect(ids({ action: 'LOGIN' })).toEqual([1]);
    expect(ids({ object: 'rules/9' })).toEqual([4]);
    expect(ids({ success: false })).toEqual([3, 2]);
    expect(ids({ since: T0 + 1000, until: T0 + 3000 })).toEqual([3, 2]);
    expect(j.list({}, { limit: 3 })).toMatchObject({ next: 2 });
    expect(j.list({}, { before: 2 }).items.map((e) => e.id)).toEqual([1]);
    const stats = j.stats();
    expect(stats).toMatchObject({
      total: 4,
      successes: 2,
      failures: 2,
      by_source: { api: 2, auth: 1, rules: 1 },
    });
    expect(stats.recent_failures.map((e) => e.id)).toEqual([3, 2]);
  });

  it('keeps recording in memory when the file cannot be written, and counts it', () => {
    const dir = tempDir();
    const blocker = join(dir, 'journal');
    writeFileSync(blocker, 'a file where the directory should be');
    const j = journal(blocker);
    expect(() => j.record(op())).not.toThrow();
    expect(j.stats()).toMatchObject({ total: 1, write_failures: 1 });
  });
});

describe('OperationJournal with other writers on the same files', () => {
  it('gives out unique ids in file order and shows the others’ entries at once', async () => {
    const dir = tempDir();
    // Two journals on one directory stand for `serve` and the CLI: each replayed once.
    const serve = journal(dir);
    const cli = journal(dir);
    await serve.replay();
    await cli.replay();
    for (let i = 1; i <= 30; i++) (i % 3 === 0 ? cli : serve).record(op({ object: `o${i}` }));
    const stored = lines(dir).map((l) => JSON.parse(l) as { id: number; object: string });
    expect(stored.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(stored.map((e) => e.object)).toEqual(Array.from({ length: 30 }, (_, i) => `o${i + 1}`));
    // Each sees all 30, in order, without a restart.
    for (const j of [serve, cli])
      expect(j.list({}, { limit: 500 }).items.map((e) => e.object)).toEqual(
        Array.from({ length: 30 }, (_, i) => `o${30 - i}`),
      );
    cli.record(op({ actor: 'cli:root', object: 'user:7' }));
    expect(serve.list({ object: 'user:7' }).items).toMatchObject([{ id: 31, actor: 'cli:root' }]);
    expect(serve.stats().total).toBe(31);
  });

  it('pages with `before` see every entry once, whoever wrote it', async () => {
    const dir = tempDir();
    const serve = journal(dir);
    const cli = journal(dir);
    await serve.replay();
    await cli.replay();
    for (let i = 1; i <= 50; i++) (i % 4 === 0 ? cli : serve).record(op({ object: `o${i}` }));
    const seen: number[] = [];
    for (let page = serve.list({}, { limit: 7 }); ;) {
      seen.push(...page.items.map((e) => e.id));
      if (page.next === null) break;
      // More appends between pages shift nothing.
      cli.record(op({ object: 'later' }));
      page = serve.list({}, { before: page.next, limit: 7 });
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => 50 - i));
  });

  it('follows the others into a new day file', async () => {
    const dir = tempDir();
    let now = T0;
    const serve = journal(dir, { now: () => now });
    const cli = journal(dir, { now: () => now });
    serve.record(op({ object: 'before midnight' }));
    now += 2 * 60_000;
    cli.record(op({ object: 'after midnight' }));
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);
    expect(serve.list({}).items.map((e) => [e.id, e.object])).toEqual([
      [2, 'after midnight'],
      [1, 'before midnight'],
    ]);
    serve.record(op({ object: 'next' }));
    expect(serve.list({}, { limit: 1 }).items[0]).toMatchObject({ id: 3, object: 'next' });
  });

  it('ends a line another writer tore before appending, and still reads the next ones', async () => {
    const dir = tempDir();
    const serve = journal(dir, { now: () => T0 });
    await serve.replay();
    serve.record(op({ object: 'one' }));
    // Another process died mid-line while serve kept its file open.
    appendFileSync(join(dir, 'audit-2026-11-25.jsonl'), '{"id":2,"time":"2026-11-25T23:');
    serve.record(op({ object: 'two' }));
    const cli = journal(dir, { now: () => T0 });
    await cli.replay();
    cli.record(op({ object: 'three' }));
    expect(serve.list({}).items.map((e) => [e.id, e.object])).toEqual([
      [3, 'three'],
      [2, 'two'],
      [1, 'one'],
    ]);
  });
});

describe('JournalRetention', () => {
  it('removes the day files older than the retention', () => {
    const dir = tempDir();
    for (const day of ['2026-08-01', '2026-08-26', '2026-08-27', '2026-11-25'])
      writeFileSync(join(dir, `audit-${day}.jsonl`), '');
    writeFileSync(join(dir, 'notes.txt'), '');
    const retention = new JournalRetention(
      new JournalFiles(dir),
      90,
      pino({ level: 'silent' }),
      () => Date.UTC(2026, 10, 25, 12),
    );
    expect(retention.prune()).toEqual(['2026-08-01', '2026-08-26']);
    expect(readdirSync(dir).sort()).toEqual([
      'audit-2026-08-27.jsonl',
      'audit-2026-11-25.jsonl',
      'notes.txt',
    ]);
  });
});
