/**
 * A small, strict argument parser for the CLI and web mode: `--name value`, `--flag`, positionals.
 * Unknown options and malformed values are errors that name the option.
 */
export type OptionKind = 'string' | 'number' | 'boolean' | 'list';
export type OptionValue = string | number | boolean | string[];

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, OptionValue | undefined>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: readonly string[], spec: Record<string, OptionKind>): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, OptionValue | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let inlineValue: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inlineValue = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option --${name}`);
    if (kind === 'boolean') {
      if (inlineValue !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const raw = inlineValue ?? argv[++i];
    if (raw === undefined || (inlineValue === undefined && raw.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (kind === 'number') {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} expects a number, got "${raw}"`);
      options[name] = value;
    } else if (kind === 'list') {
      options[name] = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    } else {
      options[name] = raw;
    }
  }
  return { positionals, options };
}
