/** The 'explore' job (filled in with the explore engine). */
import type { JobContext } from './protocol';

export async function exploreJob(_raw: unknown, _ctx: JobContext): Promise<unknown> {
  throw new Error('explore jobs are not wired yet');
}
