import type { Logger } from 'pino';
import { RingBuffer } from '../ring-buffer.js';
import { dayOf, type JournalFiles } from './day-files.js';
import { readJsonlLines } from './jsonl-reader.js';
import {
  DEFAULT_JOURNAL_PAGE,
  DEFAULT_RING_SIZE,
  MAX_JOURNAL_PAGE,
  MAX_LINE_BYTES,
  type Journal,
  type JournalEntry,
  type JournalFilter,
  type JournalList,
  type JournalPage,
  type JournalStats,
  type NewJournalEntry,
  type ReplayReport,
} from './model.js';
import { redact } from './redact.js';

export interface OperationJournalOptions {
  /** Where the day files go; null keeps the journal in memory only. */
  files: JournalFiles | null;
  ringSize?: number;
  /** Values that must never be written, wherever they appear (current secrets). */
  knownSecrets?: () => Iterable<string>;
  log?: Logger;
  now?: () => number;
}

const RECENT_FAILURES = 10;

function isEntry(value: unknown): value is JournalEntry {
  const e = value as Partial<JournalEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    Number.isSafeInteger(e.id) &&
    typeof e.time === 'string' &&
    Number.isFinite(Date.parse(e.time)) &&
    typeof e.actor === 'string' &&
    typeof e.action === 'string' &&
    typeof e.success === 'boolean'
  );
}

const text = (value: unknown, fallback: string) =>
  typeof value === 'string' && value.trim() !== '' ? value.slice(0, 500) : fallback;

/**
 * The operations journal: the newest operations in a ring, every operation appended to
 * the day's JSONL file before it enters the ring, and the ring refilled from the files
 * at start.
 */
export class OperationJournal implements Journal {
  private readonly ring: RingBuffer<JournalEntry>;
  private readonly secretSources: (() => Iterable<string>)[] = [];
  private nextId = 1;
  private writeFailures = 0;
  private recorded = 0;
  private failing = false;
  private lastReplay: ReplayReport = {
    files: 0,
    applied: 0,
    skipped_malformed: 0,
    skipped_oversized: 0,
  };

  constructor(private readonly options: OperationJournalOptions) {
    this.ring = new RingBuffer(options.ringSize ?? DEFAULT_RING_SIZE);
    if (options.knownSecrets) this.secretSources.push(options.knownSecrets);
  }

  /** More secrets to keep out of the journal (e.g. the triggers' channel secrets). */
  addKnownSecrets(source: () => Iterable<string>): void {
    this.secretSources.push(source);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  record(input: NewJournalEntry): void {
    try {
      this.append(input);
    } catch (err) {
      // Recording must never break the operation it records.
      this.options.log?.error({ err }, 'journal record failed');
    }
  }

  private append(input: NewJournalEntry): void {
    const secrets = this.secretSources.flatMap((source) => [...source()]);
    const entry: JournalEntry = {
      id: this.nextId++,
      time: new Date(this.now()).toISOString(),
      actor: text(input.actor, 'unknown'),
      action: text(input.action, 'unknown'),
      object: input.object === undefined || input.object === null ? null : text(input.object, ''),
      success: input.success === true,
      error_code: input.error_code ?? null,
      source: text(input.source, 'unknown'),
    };
    if (entry.object !== null) entry.object = redact(entry.object, secrets) as string;
    if (input.details !== undefined)
      entry.details = redact(input.details, secrets) as Record<string, unknown>;
    if (input.before !== undefined) entry.before = redact(input.before, secrets);
    if (input.after !== undefined) entry.after = redact(input.after, secrets);
    let line = JSON.stringify(entry);
    if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
      // Replay would skip it: keep the operation, drop the bulky parts.
      delete entry.before;
      delete entry.after;
      entry.details = { truncated: true };
      line = JSON.stringify(entry);
    }
    if (this.options.files) {
      try {
        this.options.files.append(line, dayOf(entry.time));
        if (this.failing) this.options.log?.info('journal file writable again');
        this.failing = false;
      } catch (err) {
        this.writeFailures++;
        if (!this.failing) this.options.log?.error({ err }, 'cannot append to the journal file');
        this.failing = true;
      }
    }
    this.ring.push(entry);
    this.recorded++;
  }

  /**
   * Refills the ring with the newest entries of the files, newest day first, skipping
   * malformed and oversized lines (counted). Call once, before recording.
   */
  async replay(): Promise<ReplayReport> {
    const report: ReplayReport = {
      files: 0,
      applied: 0,
      skipped_malformed: 0,
      skipped_oversized: 0,
    };
    const files = this.options.files;
    const collected: JournalEntry[][] = [];
    let need = this.ring.capacity;
    let maxId = 0;
    for (const day of files ? files.days().reverse() : []) {
      if (need <= 0) break;
      report.files++;
      const newest = new RingBuffer<JournalEntry>(need);
      try {
        for await (const line of readJsonlLines(files!.pathOf(day), MAX_LINE_BYTES)) {
          if ('oversized' in line) {
            report.skipped_oversized++;
            continue;
          }
          let value: unknown;
          try {
            value = JSON.parse(line.text);
          } catch {
            value = null;
          }
          if (!isEntry(value)) {
            report.skipped_malformed++;
            continue;
          }
          if (value.id > maxId) maxId = value.id;
          newest.push(value);
        }
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      collected.unshift(newest.toArray());
      need -= newest.size;
    }
    this.ring.clear();
    for (const entries of collected) for (const e of entries) this.ring.push(e);
    report.applied = this.ring.size;
    this.nextId = Math.max(this.nextId, maxId + 1);
    this.lastReplay = report;
    if (report.skipped_malformed + report.skipped_oversized > 0)
      this.options.log?.warn(report, 'journal replay skipped lines');
    return report;
  }

  /** Newest first, from the ring. */
  list(filter: JournalFilter, page: JournalPage = {}): JournalList {
    const limit = Math.min(Math.max(page.limit ?? DEFAULT_JOURNAL_PAGE, 1), MAX_JOURNAL_PAGE);
    const action = filter.action?.toLowerCase();
    const object = filter.object?.toLowerCase();
    const items: JournalEntry[] = [];
    let more = false;
    for (const e of this.ring.newestFirst()) {
      if (page.before !== undefined && e.id >= page.before) continue;
      if (filter.actor !== undefined && e.actor !== filter.actor) continue;
      if (action !== undefined && !e.action.toLowerCase().includes(action)) continue;
      if (object !== undefined && !(e.object ?? '').toLowerCase().includes(object)) continue;
      if (filter.success !== undefined && e.success !== filter.success) continue;
      if (filter.since !== undefined || filter.until !== undefined) {
        const t = Date.parse(e.time);
        if (filter.since !== undefined && t < filter.since) continue;
        if (filter.until !== undefined && t >= filter.until) continue;
      }
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(e);
    }
    return { items, next: more ? items[items.length - 1]!.id : null };
  }

  stats(): JournalStats {
    const stats: JournalStats = {
      total: 0,
      successes: 0,
      failures: 0,
      by_source: {},
      recent_failures: [],
      replay: { ...this.lastReplay },
      write_failures: this.writeFailures,
    };
    for (const e of this.ring.newestFirst()) {
      stats.total++;
      if (e.success) stats.successes++;
      else {
        stats.failures++;
        if (stats.recent_failures.length < RECENT_FAILURES) stats.recent_failures.push(e);
      }
      stats.by_source[e.source] = (stats.by_source[e.source] ?? 0) + 1;
    }
    return stats;
  }

  /** Operations recorded by this process and write failures, for metrics. */
  counters(): { recorded: number; write_failures: number } {
    return { recorded: this.recorded, write_failures: this.writeFailures };
  }

  close(): void {
    this.options.files?.close();
  }
}
