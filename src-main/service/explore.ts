/** Explore methods (wired to the explore engine in a worker). */
import type { MethodHandlers, ServiceContext } from './context';

export function exploreMethods(_ctx: ServiceContext): MethodHandlers {
  return {};
}
