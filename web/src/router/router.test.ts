import { describe, expect, it } from 'vitest';
import { matchPath } from './router';

describe('matchPath', () => {
  it('matches fixed segments and decodes parameters', () => {
    expect(matchPath('/rules/:id', '/rules/7')).toEqual({ id: '7' });
    expect(matchPath('/workloads/:id', '/workloads/my%20shop')).toEqual({ id: 'my shop' });
    expect(matchPath('/', '/')).toEqual({});
    expect(matchPath('/rules/new', '/rules/new/')).toEqual({});
  });

  it('does not match other paths', () => {
    expect(matchPath('/rules/:id', '/rules')).toBeNull();
    expect(matchPath('/rules/:id', '/triggers/7')).toBeNull();
    expect(matchPath('/rules', '/rules/7')).toBeNull();
  });
});
