import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';
import { OptionReader } from './options';

const SPEC = { data: 'string', dim: 'number', tags: 'list', batches: 'list', json: 'boolean', bottom: 'string', split: 'string' } as const;

function read(argv: string[]): OptionReader {
  return new OptionReader(parseArgs(argv, SPEC), 'train');
}

describe('OptionReader', () => {
  it('reads each option as its kind and nothing as undefined', () => {
    const options = read(['show', '--data', 'x.tsv', '--dim', '16', '--tags', 'a, b', '--json']);
    expect(options.positionals).toEqual(['show']);
    expect(options.string('data')).toBe('x.tsv');
    expect(options.number('dim')).toBe(16);
    expect(options.list('tags')).toEqual(['a', 'b']);
    expect(options.flag('json')).toBe(true);
    expect([options.string('bottom'), options.number('data'), options.list('data'), options.flag('dim')]).toEqual([undefined, undefined, undefined, false]);
  });

  it('need() names the command and the missing option', () => {
    expect(read(['--data', 'x']).need('data')).toBe('x');
    expect(() => read([]).need('data')).toThrow(new UsageError('train needs --data'));
  });

  it('with*() apply only given options, an empty string included', () => {
    const seen: unknown[] = [];
    const options = read(['--bottom', '', '--dim', '0']);
    options.withString('bottom', (value) => seen.push(['bottom', value]));
    options.withString('data', (value) => seen.push(['data', value]));
    options.withNumber('dim', (value) => seen.push(['dim', value]));
    expect(seen).toEqual([['bottom', ''], ['dim', 0]]);
  });

  it('choice() and numbers() refuse values that are not allowed, naming the option', () => {
    expect(read(['--split', 'random']).choice('split', ['days7', 'random'] as const)).toBe('random');
    expect(read([]).choice('split', ['days7', 'random'] as const)).toBeUndefined();
    expect(() => read(['--split', 'weekly']).choice('split', ['days7', 'random'] as const)).toThrow('--split takes days7, random, not "weekly"');
    expect(read(['--batches', '128,2048']).numbers('batches')).toEqual([128, 2048]);
    expect(() => read(['--batches', '128,big']).numbers('batches')).toThrow('--batches expects numbers, got "big"');
  });
});
