/**
 * The ABI check of native addons against a runtime, and the one line a user reads when it fails.
 * Run by the Electron door before the service starts and by `npm start` before it launches Electron.
 */
import { describeAddonAbi, loadsIn, readAddonAbi, type AddonAbi } from './abi';
import type { NativeAddon } from './addons';

/** The runtime the addons must load in. */
export interface Runtime {
  /** "Electron 39.8.10". */
  name: string;
  /** Its NODE_MODULE_VERSION. */
  abi: number;
}

export type AddonProblem =
  | { addon: NativeAddon; kind: 'missing' }
  | { addon: NativeAddon; kind: 'unreadable'; reason: string }
  | { addon: NativeAddon; kind: 'wrong-abi'; found: AddonAbi };

/** The addons that `runtime` could not load, each with what is wrong. Empty when all load. */
export function findAddonProblems(
  addons: readonly NativeAddon[],
  runtime: Runtime,
  read: (file: string) => AddonAbi = readAddonAbi,
): AddonProblem[] {
  const problems: AddonProblem[] = [];
  for (const addon of addons) {
    let found: AddonAbi;
    try {
      found = read(addon.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') problems.push({ addon, kind: 'missing' });
      else problems.push({ addon, kind: 'unreadable', reason: error instanceof Error ? error.message : String(error) });
      continue;
    }
    if (!loadsIn(found, runtime.abi)) problems.push({ addon, kind: 'wrong-abi', found });
  }
  return problems;
}

/** Runtimes an ABI number belongs to, for messages (Node's from its release table, Electron's from node-abi). */
const KNOWN_ABIS: Readonly<Record<number, string>> = {
  108: 'Node 18',
  115: 'Node 20',
  127: 'Node 22',
  137: 'Node 24',
  133: 'Electron 35',
  135: 'Electron 36',
  136: 'Electron 37',
  139: 'Electron 38',
  140: 'Electron 39',
  143: 'Electron 40',
};

function foundWords(found: AddonAbi): string {
  const words = describeAddonAbi(found);
  const runtime = found.kind === 'node-abi' ? KNOWN_ABIS[found.abi] : undefined;
  return runtime ? `${words} (${runtime})` : words;
}

/** One sentence for one problem, ending with its fix. */
export function describeProblem(problem: AddonProblem, runtime: Runtime): string {
  const { name, file, fix } = problem.addon;
  const need = `${runtime.name} needs ABI ${runtime.abi}`;
  switch (problem.kind) {
    case 'missing':
      return `${name}'s native addon for ${runtime.name} is missing (${file}); ${need}. Fix: ${fix}`;
    case 'unreadable':
      return `${name}'s native addon ${file} cannot be read (${problem.reason}). Fix: ${fix}`;
    case 'wrong-abi':
      if (problem.found.kind === 'unknown') return `${name}'s native addon ${file} is not a Node addon (no registration symbol in it). Fix: ${fix}`;
      return `${name}'s native addon ${file} is built for ${foundWords(problem.found)}, but ${need}. Fix: ${fix}`;
  }
}

/**
 * The one line printed when addons would not load: the first problem in full, the others by name.
 * Null when there is none.
 */
export function problemsLine(problems: readonly AddonProblem[], runtime: Runtime): string | null {
  const [first, ...rest] = problems;
  if (!first) return null;
  const more = rest.length ? ` (also: ${rest.map((p) => p.addon.name).join(', ')})` : '';
  return `${describeProblem(first, runtime)}${more}`;
}
