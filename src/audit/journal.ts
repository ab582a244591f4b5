import type { Logger } from 'pino';
import { RingBuffer } from '../ring-buffer.js';
import { dayOf, type JournalFiles } from './day-files.js';
import { readCompleteLinesSync, readJsonlLines, type JsonlLine } from './jsonl-reader.js';
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

function parseEntry(line: JsonlLine): JournalEntry | null {
  if ('oversized' in line) return null;
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch {
    return null;
  }
  return isEntry(value) ? value : null;
}

/** How far into the day files this journal has read (or written). */
interface FilePosition {
  day: string;
  offset: number;
}

/** The entry's JSONL line; one too long to replay keeps the operation, not its bulk. */
function lineOf(entry: JournalEntry): string {
  const line = JSON.stringify(entry);
  if (Buffer.byteLength(line) <= MAX_LINE_BYTES) return line;
  delete entry.before;
  delete entry.after;
  entry.details = { truncated: true };
  return JSON.stringify(entry);
}

const text = (value: unknown, fallback: string) =>
  typeof value === 'string' && value.trim() !== '' ? value.slice(0, 500) : fallback;

/**
 * The operations journal: the newest operations in a ring, every operation appended to
 * the day's JSONL file before it enters the ring, and the ring refilled from the files
 * at start. Other processes may append to the same files (the CLI while `serve` runs):
 * ids are given out under the files' lock after reading what the others appended, so
 * they are unique and grow in file order, and reads pick up the others' entries first.
 */
export class OperationJournal implements Journal {
  private readonly ring: RingBuffer<JournalEntry>;
  private readonly secretSources: (() => Iterable<string>)[] = [];
  /** The highest id written or read; the next entry gets one more. */
  private lastId = 0;
  /** Null until the files were read (replay, or the first append or read). */
  private position: FilePosition | null = null;
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
      id: 0,
      time: '',
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
    const stamp = () => {
      entry.id = this.lastId + 1;
      entry.time = new Date(this.now()).toISOString();
    };
    const files = this.options.files;
    if (files) {
      try {
        files.exclusively(() => {
          // Whatever other processes appended comes first: in the ring, and in the ids.
          this.follow();
          stamp();
          const day = dayOf(entry.time);
          const end = files.append(lineOf(entry), day);
          this.position = { day, offset: end };
        });
        if (this.failing) this.options.log?.info('journal file writable again');
        this.failing = false;
      } catch (err) {
        this.writeFailures++;
        if (!this.failing) this.options.log?.error({ err }, 'cannot append to the journal file');
        this.failing = true;
      }
    }
    // Kept in memory even when the file could not take it.
    if (entry.id === 0) stamp();
    this.lastId = entry.id;
    this.ring.push(entry);
    this.recorded++;
  }

  /**
   * Takes in what other processes appended to the files since this journal last read
   * or wrote them: the rest of the current day file, then any newer day's. Entries
   * enter the ring in file order; only ids above the highest seen are taken.
   */
  private follow(): void {
    const files = this.options.files;
    if (!files) return;
    // A newer day file appears only once the clock passed midnight: list them only then.
    const days =
      this.position === null || dayOf(this.now()) !== this.position.day ? files.days() : [];
    if (this.position === null) {
      // Never replayed: read the newest day file, so ids continue after its entries.
      const newest = days.at(-1);
      if (newest === undefined) return;
      this.position = { day: newest, offset: 0 };
    }
    for (const day of [this.position.day, ...days.filter((d) => d > this.position!.day)]) {
      let from = day === this.position.day ? this.position.offset : 0;
      const size = files.sizeOf(day);
      if (size === from) continue;
      // The file was replaced or cut (not by us): read it again, ids keep out repeats.
      if (size < from) from = 0;
      const offset = readCompleteLinesSync(files.pathOf(day), from, MAX_LINE_BYTES, (line) => {
        const entry = parseEntry(line);
        if (entry && entry.id > this.lastId) {
          this.ring.push(entry);
          this.lastId = entry.id;
        }
      });
      this.position = { day, offset };
    }
  }

  /** Reads what other processes appended; never throws (a read must still answer). */
  private catchUp(): void {
    try {
      this.follow();
    } catch (err) {
      this.options.log?.warn({ err }, 'cannot read the journal files');
    }
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
    let position: FilePosition | null = null;
    for (const day of files ? files.days().reverse() : []) {
      if (need <= 0) break;
      report.files++;
      const newest = new RingBuffer<JournalEntry>(need);
      // Where the newest file's complete lines end: later appends are followed from there.
      if (position === null) position = { day, offset: 0 };
      try {
        for await (const line of readJsonlLines(files!.pathOf(day), MAX_LINE_BYTES)) {
          if (position.day === day && line.complete) position.offset = line.end;
          if ('oversized' in line) {
            report.skipped_oversized++;
            continue;
          }
          const entry = parseEntry(line);
          if (!entry) {
            report.skipped_malformed++;
            continue;
          }
          if (entry.id > maxId) maxId = entry.id;
          newest.push(entry);
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
    this.lastId = Math.max(this.lastId, maxId);
    this.position = position;
    this.lastReplay = report;
    if (report.skipped_malformed + report.skipped_oversized > 0)
      this.options.log?.warn(report, 'journal replay skipped lines');
    return report;
  }

  /** Newest first, from the ring, with what other processes appended taken in first. */
  list(filter: JournalFilter, page: JournalPage = {}): JournalList {
    this.catchUp();
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
    this.catchUp();
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
