import { describe, expect, it } from 'vitest';
import { parseHash, routeHref, type Route } from './routes';

describe('routes', () => {
  it('parses every page', () => {
    expect(parseHash('')).toEqual({ name: 'runs' });
    expect(parseHash('#/runs')).toEqual({ name: 'runs' });
    expect(parseHash('#/new')).toEqual({ name: 'new' });
    expect(parseHash('#/run/abc%2F1')).toEqual({ name: 'run', id: 'abc/1' });
    expect(parseHash('#/compare?ids=a,b,a&baseline=b')).toEqual({ name: 'compare', ids: ['a', 'b'], baseline: 'b' });
    expect(parseHash('#/compare')).toEqual({ name: 'compare', ids: [], baseline: null });
    expect(parseHash('#/explore')).toEqual({ name: 'explore' });
    expect(parseHash('#/simulate')).toEqual({ name: 'simulate' });
    expect(parseHash('#/nope')).toEqual({ name: 'not-found', path: '/nope' });
  });

  it('round-trips through routeHref', () => {
    const routes: Route[] = [
      { name: 'runs' },
      { name: 'run', id: 'run 7' },
      { name: 'compare', ids: ['x1', 'x2'], baseline: 'x2' },
      { name: 'sweeps' },
      { name: 'sweep-new' },
      { name: 'sweep', id: 'abc-1' },
    ];
    for (const route of routes) expect(parseHash(routeHref(route))).toEqual(route);
    expect(routeHref({ name: 'compare', ids: ['a', 'b'], baseline: null })).toBe('#/compare?ids=a,b');
  });
});
