import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../support/api-client.js';
import {
  serveForTest,
  spawnLogwarden,
  stopServed,
  type LogwardenProcess,
} from '../support/logwarden-process.js';

/**
 * The journal has two writers on one data directory when the CLI changes users while
 * `serve` runs (issue 16, defect 9): ids stay unique and in order, and the server
 * shows the CLI's entries at once.
 */

interface Entry {
  id: number;
  actor: string;
  action: string;
  object: string | null;
}

let dir: string;
let proc: LogwardenProcess;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-journal-cli-'));
  const served = await serveForTest(dir);
  proc = served.proc;
  api = apiClient(served.url, served.token);
});

afterAll(async () => {
  await stopServed(proc);
  rmSync(dir, { recursive: true, force: true });
});

async function usersAdd(username: string): Promise<number> {
  const cli = spawnLogwarden(['users', 'add', username], {
    LOGWARDEN_DATA_DIR: dir,
    LOGWARDEN_ADMIN_PASSWORD: 'a long enough password',
  });
  const code = await cli.exit;
  expect(code, cli.stderr.join('')).toBe(0);
  // `created <id>\t<name>\t<role>`
  return Number(/^created (\d+)\t/.exec(cli.stdout.join(''))![1]);
}

/** Every entry of the files, as written. */
function fileEntries(): Entry[] {
  return readdirSync(join(dir, 'audit'))
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .flatMap((f) =>
      readFileSync(join(dir, 'audit', f), 'utf8')
        .split('\n')
        .filter(Boolean),
    )
    .map((line) => JSON.parse(line) as Entry);
}

describe('the journal with the CLI writing while serve runs', () => {
  it('`users add` shows up in /api/audit at once, ids stay unique, and pages are consistent', async () => {
    // The server appends all the while: a rule created and deleted in a loop.
    let writing = true;
    const serverWrites = (async () => {
      for (let i = 0; writing && i < 500; i++) {
        const rule = await api.post<{ id: number }>('/api/rules', {
          name: `churn ${i}`,
          pattern: `churn${i}`,
        });
        await api.delete(`/api/rules/${rule.id}`);
      }
    })();
    try {
      for (const name of ['carol', 'dave', 'erin']) {
        const id = await usersAdd(name);
        // No restart, no wait: the entry is there on the next read.
        const { items } = await api.get<{ items: Entry[] }>(`/api/audit?object=user:${id}`);
        expect(items).toHaveLength(1);
        expect(items[0]).toMatchObject({
          action: 'user.create',
          object: `user:${id}`,
          actor: expect.stringMatching(/^cli:/) as unknown,
        });
      }
    } finally {
      writing = false;
      await serverWrites;
    }

    const written = fileEntries();
    const ids = written.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // In the files in id order: whoever wrote, ids were given out in turn.
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(written.filter((e) => e.action === 'user.create')).toHaveLength(3);

    // Paging back with `before` sees every entry in memory exactly once, newest first.
    const all = (await api.get<{ items: Entry[] }>('/api/audit?limit=500')).items;
    const paged: number[] = [];
    for (let before: number | null = null; ;) {
      const page: { items: Entry[]; next: number | null } = await api.get(
        `/api/audit?limit=7${before === null ? '' : `&before=${before}`}`,
      );
      paged.push(...page.items.map((e) => e.id));
      if (page.next === null) break;
      before = page.next;
    }
    expect(paged.slice(0, all.length)).toEqual(all.map((e) => e.id));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual([...paged].sort((a, b) => b - a));
    // The ring holds the newest entries of the files, the CLI's among them.
    const newest = written.slice(-paged.length).map((e) => e.id);
    expect([...paged].reverse()).toEqual(newest.filter((id) => id >= paged.at(-1)!));
  }, 240_000);
});
