import { describe, expect, it } from 'vitest';
import { capMetadata } from './metadata.js';
import { MAX_METADATA_BYTES } from './model.js';

const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

describe('capMetadata', () => {
  it('returns metadata that fits as it is, unmarked', () => {
    const meta = { rule_id: 7, captures: { code: '42' }, pad: 'x'.repeat(8000) };
    expect(capMetadata(meta)).toBe(meta);
  });

  it('cuts the longest strings to fit, keeps the short ones whole, and marks it', () => {
    const meta = {
      rule_id: 7,
      rule_name: 'errors',
      captures: Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`g${i}`, '€'.repeat(340)]),
      ) as Record<string, string>,
      line_ts: '2026-12-01T10:00:00.000000001Z',
    };
    expect(size(meta)).toBeGreaterThan(MAX_METADATA_BYTES);
    const out = capMetadata(meta);
    expect(size(out)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    // Close to the limit: strings are cut only as far as needed.
    expect(size(out)).toBeGreaterThan(MAX_METADATA_BYTES - 200);
    expect(out).toMatchObject({
      metadata_truncated: true,
      rule_id: 7,
      rule_name: 'errors',
      line_ts: meta.line_ts,
    });
    const captures = out.captures as Record<string, string>;
    expect(Object.keys(captures)).toHaveLength(12);
    for (const v of Object.values(captures)) {
      expect(v.endsWith('…')).toBe(true);
      expect(v.slice(0, -1)).toMatch(/^€+$/);
    }
  });

  it('drops entries from the end of the biggest part when even short strings do not fit', () => {
    const captures: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) captures[`$${i}`] = `value number ${i}`;
    const out = capMetadata({ rule_id: 1, captures, stream: 'stderr' });
    expect(size(out)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    expect(out).toMatchObject({ metadata_truncated: true, rule_id: 1, stream: 'stderr' });
    const kept = Object.keys(out.captures as object);
    expect(kept.length).toBeGreaterThan(100);
    expect(kept).toEqual(Object.keys(captures).slice(0, kept.length));
  });

  it('stays within the limit for top-level bulk, arrays and a key called __proto__', () => {
    const meta: Record<string, unknown> = { list: Array.from({ length: 3000 }, (_, i) => i) };
    for (let i = 0; i < 1000; i++) meta[`k${i}`] = i;
    Object.defineProperty(meta, '__proto__', { value: 'x'.repeat(9000), enumerable: true });
    const out = capMetadata(meta);
    expect(size(out)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    expect(out.metadata_truncated).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
