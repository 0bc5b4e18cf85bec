/** The current route, following the URL hash (parsing lives in routes.ts). */
import { parseHash, routeHref, type Route } from './routes';

export { parseHash, routeHref, type Route };

export class Router {
  route = $state<Route>(parseHash(window.location.hash));

  /** Starts following the URL; returns the stop function. */
  start(): () => void {
    const onChange = () => {
      this.route = parseHash(window.location.hash);
    };
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }

  /** Goes to a route, adding a history entry. */
  go(route: Route): void {
    window.location.hash = routeHref(route).slice(1);
  }

  /** Replaces the current entry (e.g. when compare options change) without a new history entry. */
  replace(route: Route): void {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${routeHref(route)}`);
    this.route = route;
  }
}
