/**
 * Hash routes of the app: #/runs, #/new, #/compare?ids=a,b&baseline=a, #/run/<id>, #/explore, #/simulate,
 * #/sweeps, #/sweeps/new, #/sweep/<id>.
 */

export type Route =
  | { name: 'runs' }
  | { name: 'new' }
  | { name: 'compare'; ids: string[]; baseline: string | null }
  | { name: 'run'; id: string }
  | { name: 'explore' }
  | { name: 'simulate' }
  | { name: 'sweeps' }
  | { name: 'sweep-new' }
  | { name: 'sweep'; id: string }
  | { name: 'not-found'; path: string };

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const queryStart = text.indexOf('?');
  const path = (queryStart === -1 ? text : text.slice(0, queryStart)) || '/runs';
  const params = new URLSearchParams(queryStart === -1 ? '' : text.slice(queryStart + 1));
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
  switch (parts[0] ?? 'runs') {
    case 'runs':
      return { name: 'runs' };
    case 'new':
      return { name: 'new' };
    case 'compare': {
      const ids = (params.get('ids') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
      return { name: 'compare', ids: [...new Set(ids)], baseline: params.get('baseline') };
    }
    case 'run':
      return parts[1] ? { name: 'run', id: parts[1] } : { name: 'runs' };
    case 'explore':
      return { name: 'explore' };
    case 'simulate':
      return { name: 'simulate' };
    case 'sweeps':
      return parts[1] === 'new' ? { name: 'sweep-new' } : { name: 'sweeps' };
    case 'sweep':
      return parts[1] ? { name: 'sweep', id: parts[1] } : { name: 'sweeps' };
    default:
      return { name: 'not-found', path };
  }
}

export function routeHref(route: Route): string {
  switch (route.name) {
    case 'compare': {
      const params = new URLSearchParams();
      if (route.ids.length > 0) params.set('ids', route.ids.join(','));
      if (route.baseline) params.set('baseline', route.baseline);
      const query = params.toString().replace(/%2C/g, ',');
      return `#/compare${query ? `?${query}` : ''}`;
    }
    case 'run':
      return `#/run/${encodeURIComponent(route.id)}`;
    case 'sweep':
      return `#/sweep/${encodeURIComponent(route.id)}`;
    case 'sweep-new':
      return '#/sweeps/new';
    case 'not-found':
      return `#${route.path}`;
    default:
      return `#/${route.name}`;
  }
}
