/**
 * Reading the relative imports of source files and checking them against layering rules (used by
 * test/integration/import-direction.test.ts). Plain text scanning: static imports and re-exports
 * (type-only or not) and dynamic import() with a string literal.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to the repository root. */
  from: string;
  /** Imported file or folder, relative to the repository root. */
  to: string;
  /** Only types cross this arrow (`import type`, `export type`, or every specifier marked `type`). */
  typeOnly: boolean;
}

export interface LayerRule {
  /** Folders (areas) this one may import, values and types; `engine/*` means every engine folder. */
  may: string[];
  /** Folders this one may import types from, and nothing else. */
  types?: string[];
}

export type LayerRules = Record<string, LayerRule>;

export interface Violation {
  from: string;
  to: string;
  message: string;
}

const STATEMENT = /(?:^|[\n;])\s*(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
const TEST_FILE = /(\.test\.ts|\.testutil\.ts|\/testing\.ts)$/;

/** Every relative import of the given files, resolved against the repository root. */
export function collectImports(files: { path: string; text: string }[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = file.path.endsWith('.svelte') ? scriptOf(file.text) : file.text;
    for (const match of text.matchAll(STATEMENT)) {
      const specifier = match[4];
      if (!specifier.startsWith('.')) continue;
      const clause = match[3];
      const typeOnly = match[2] !== undefined || allSpecifiersAreTypes(clause);
      edges.push({ from: file.path, to: resolveSpecifier(file.path, specifier), typeOnly });
    }
    for (const match of text.matchAll(DYNAMIC)) {
      if (match[1].startsWith('.')) edges.push({ from: file.path, to: resolveSpecifier(file.path, match[1]), typeOnly: false });
    }
  }
  return edges;
}

/** The arrows that break the rules, each with a message a contributor can act on. */
export function checkImports(edges: ImportEdge[], rules: LayerRules): Violation[] {
  const violations: Violation[] = [];
  for (const edge of edges) {
    const fromArea = areaOf(edge.from);
    const toArea = areaOf(edge.to);
    if (fromArea === toArea) continue;
    const rule = rules[fromArea];
    if (!rule) {
      violations.push({ from: edge.from, to: edge.to, message: `${edge.from}: folder '${fromArea}' has no rule in import-direction.test.ts; add one` });
      continue;
    }
    if (allows(rule.may, toArea)) continue;
    if (edge.typeOnly && allows(rule.types ?? [], toArea)) continue;
    const isEngineTest = fromArea.startsWith('engine/') && TEST_FILE.test(edge.from);
    if (isEngineTest && (toArea.startsWith('engine/') || toArea === 'domain')) continue;
    // A door's test may open the store to see what the door stored, and seed inputs with engine/random.
    const isDoorTest = fromArea.startsWith('doors') && TEST_FILE.test(edge.from);
    if (isDoorTest && (toArea === 'store' || toArea === 'engine/random')) continue;
    const onlyTypes = allows(rule.types ?? [], toArea) ? ' except types (use `import type`)' : '';
    violations.push({ from: edge.from, to: edge.to, message: `${edge.from} imports ${edge.to}: '${fromArea}' may not import '${toArea}'${onlyTypes}` });
  }
  return violations;
}

/** The folder a path belongs to for the rules: renderer, domain, store, service, native, engine/x, doors/x, doors. */
export function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'src-renderer') return 'renderer';
  if (parts[0] !== 'src-main') return path;
  if ((parts[1] === 'engine' || parts[1] === 'doors') && parts.length > 3) return `${parts[1]}/${parts[2]}`;
  if (parts[1] === 'engine' && parts.length === 3) return `engine/${parts[2].replace(/\.ts$/, '')}`;
  return parts[1].replace(/\.ts$/, '');
}

function allows(list: string[], area: string): boolean {
  return list.some((entry) => entry === area || (entry.endsWith('/*') && area.startsWith(entry.slice(0, -1))));
}

function allSpecifiersAreTypes(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1].split(',').map((s) => s.trim()).filter(Boolean);
  return names.length > 0 && names.every((name) => name.startsWith('type '));
}

function resolveSpecifier(from: string, specifier: string): string {
  return normalize(join(dirname(from), specifier)).replace(/\\/g, '/');
}

function scriptOf(svelte: string): string {
  return [...svelte.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** Every .ts and .svelte source file below `dir` (declaration files left out), as full paths. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|svelte)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}
