/** What the app reports about itself. */
import type { BackendName } from './run-config';

export interface AppInfo {
  version: string;
  /** Every backend, fastest first, with whether it loads here and what it found (adapter name...). */
  backends: { name: BackendName; available: boolean; detail: string }[];
  /** The backend a run gets when it forces none (a software GPU adapter is never chosen automatically). */
  defaultBackend: BackendName | null;
  dataDir: string;
  databasePath: string;
  door: 'electron' | 'web' | 'cli';
}
