import { describe, expect, it } from 'vitest';
import { cpuSeconds, parseStatTicks, parseStatusRss, rssBytes } from './proc-stat.js';

describe('/proc readings', () => {
  it('reads utime + stime after the command name, even one holding spaces and parentheses', () => {
    const fields = (comm: string) =>
      `4242 (${comm}) S 1 4242 4242 0 -1 4194560 9000 0 12 0 1500 250 3 4 20 0 11 0 100 1000000 5000`;
    expect(parseStatTicks(fields('node'))).toBe(1750);
    expect(parseStatTicks(fields('a b) (c'))).toBe(1750);
    expect(() => parseStatTicks('1 (x) S')).toThrow(/bad stat/);
  });

  it('reads VmRSS in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 900000 kB\nVmRSS:\t  123456 kB\nRssAnon:\t 100 kB\n';
    expect(parseStatusRss(status)).toBe(123456 * 1024);
    expect(() => parseStatusRss('Name:\tnode\n')).toThrow(/VmRSS/);
  });

  it('reads this very process', () => {
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(rssBytes(process.pid)).toBeGreaterThan(1024 * 1024);
    expect(cpuSeconds(2 ** 30)).toBe(0);
  });
});
