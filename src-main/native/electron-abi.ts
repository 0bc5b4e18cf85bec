/**
 * NODE_MODULE_VERSION (the native-addon ABI) of an Electron version, for the checks that run under
 * Node before Electron starts (`npm start`, `npm run dist`). Inside Electron itself the running
 * runtime's own `process.versions.modules` is the answer and this lookup is not needed.
 *
 * The `node-abi` package (what prebuild-install and node-gyp tooling use) is asked first; it is
 * loaded at run time because it is a devDependency and may be absent. When it is missing, or too old
 * to know the version, a small table of majors measured with node-abi 3.104 answers.
 */
import { createRequire } from 'node:module';

/** Electron major -> NODE_MODULE_VERSION, from node-abi 3.104's registry. */
export const ELECTRON_ABI_BY_MAJOR: Readonly<Record<number, number>> = {
  35: 133,
  36: 135,
  37: 136,
  38: 139,
  39: 140,
  40: 143,
};

type GetAbi = (target: string, runtime: string) => string;

function nodeAbiLookup(): GetAbi | null {
  try {
    const loaded = createRequire(import.meta.url)('node-abi') as { getAbi?: unknown };
    return typeof loaded.getAbi === 'function' ? (loaded.getAbi as GetAbi) : null;
  } catch {
    return null;
  }
}

/**
 * The ABI an Electron version's addons must be built for, or null when neither node-abi nor the
 * table knows it (a newer Electron than this code: update node-abi).
 * @param lookup node-abi's getAbi, or null to use only the table (tests pass one in).
 */
export function electronAbiFor(version: string, lookup: GetAbi | null = nodeAbiLookup()): number | null {
  if (lookup) {
    try {
      const abi = Number(lookup(version, 'electron'));
      if (Number.isInteger(abi) && abi > 0) return abi;
    } catch {
      // node-abi throws for versions it does not know; the table may.
    }
  }
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  return ELECTRON_ABI_BY_MAJOR[major] ?? null;
}
