/**
 * Typed reads of the parsed command-line options (args.ts parses and checks kinds): each option is
 * read once, as its kind, with no casts or non-null assertions at the call site. The `with*` forms
 * run their callback only when the option was given, for "set this field if the user asked".
 */
import { UsageError, type ParsedArgs } from './args';

export class OptionReader {
  constructor(
    private readonly parsed: ParsedArgs,
    /** The command, for "train needs --data" messages. */
    private readonly command: string,
  ) {}

  get positionals(): string[] {
    return this.parsed.positionals;
  }

  string(name: string): string | undefined {
    const value = this.parsed.options[name];
    return typeof value === 'string' ? value : undefined;
  }

  number(name: string): number | undefined {
    const value = this.parsed.options[name];
    return typeof value === 'number' ? value : undefined;
  }

  list(name: string): string[] | undefined {
    const value = this.parsed.options[name];
    return Array.isArray(value) ? value : undefined;
  }

  /** A list option as numbers (each item checked), or undefined when not given. */
  numbers(name: string): number[] | undefined {
    return this.list(name)?.map((item) => {
      const value = Number(item);
      if (item.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} expects numbers, got "${item}"`);
      return value;
    });
  }

  flag(name: string): boolean {
    return this.parsed.options[name] === true;
  }

  /** A string option the command cannot do without. */
  need(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new UsageError(`${this.command} needs --${name}`);
    return value;
  }

  /** Calls `apply` with the value when the option was given (an empty string counts as given). */
  withString(name: string, apply: (value: string) => void): void {
    const value = this.string(name);
    if (value !== undefined) apply(value);
  }

  withNumber(name: string, apply: (value: number) => void): void {
    const value = this.number(name);
    if (value !== undefined) apply(value);
  }

  /** A string option that must be one of `choices`; undefined when not given. */
  choice<T extends string>(name: string, choices: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} takes ${choices.join(', ')}, not "${value}"`);
    return value as T;
  }
}
