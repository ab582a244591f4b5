import { describe, expect, it } from 'vitest';
import { healthzUrl } from './healthcheck.js';

describe('healthzUrl', () => {
  it('asks a wildcard bind on loopback', () => {
    expect(healthzUrl({ host: '0.0.0.0', port: 8080 })).toBe('http://127.0.0.1:8080/healthz');
    expect(healthzUrl({ host: '::', port: 8080 })).toBe('http://[::1]:8080/healthz');
  });

  it('asks any other address as it is, IPv6 in brackets', () => {
    expect(healthzUrl({ host: '10.0.0.5', port: 9000 })).toBe('http://10.0.0.5:9000/healthz');
    expect(healthzUrl({ host: 'fd00::1', port: 9000 })).toBe('http://[fd00::1]:9000/healthz');
  });
});
