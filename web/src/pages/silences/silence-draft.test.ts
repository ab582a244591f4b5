import { describe, expect, it } from 'vitest';
import { bodyOf, draftFrom, wantsForm } from './silence-draft';

describe('silence draft', () => {
  it('is prefilled from "silence this" and sends lists, rule ids as numbers', () => {
    const draft = draftFrom('?rule=3&container=shop-web-1');
    expect(wantsForm('?rule=3&container=shop-web-1')).toBe(true);
    expect(wantsForm('')).toBe(false);
    const now = Date.parse('2026-03-04T12:00:00Z');
    expect(
      bodyOf({ ...draft, rules: '3, disk', workloads: 'shop,blog', comment: 'deploy' }, now),
    ).toEqual({
      matchers: {
        rules: [3, 'disk'],
        containers: ['shop-web-1'],
        workloads: ['shop', 'blog'],
        hosts: [],
        severities: [],
        message_regex: '',
      },
      starts_at: '2026-03-04T12:00:00.000Z',
      ends_at: '2026-03-04T13:00:00.000Z',
      comment: 'deploy',
    });
  });
});
