import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TorchJobConfig } from '../../../domain';
import { writeTensorFile } from '../tensor-file';
import { parseJobLogLine, readJobWeights, TORCH_WEIGHTS_FORMAT } from './job-folder';

describe('job log lines', () => {
  it('parses the events and names file, line and field of a bad one', () => {
    const event = parseJobLogLine('{"type":"eval","step":3,"samplesSeen":30,"split":"valid","metrics":{"auc":0.7},"wallTime":1.5}', 4, 'm.jsonl');
    expect(event).toMatchObject({ type: 'eval', split: 'valid', metrics: { auc: 0.7 } });
    expect(() => parseJobLogLine('{"type":"progress","step":"3"}', 7, 'm.jsonl')).toThrow('m.jsonl, line 7, field step: expected a finite number');
    expect(() => parseJobLogLine('{"type":"eval","step":1,"samplesSeen":1,"wallTime":1,"split":"train"}', 2, 'm.jsonl')).toThrow('line 2, field split');
    expect(() => parseJobLogLine('{"type":"restarted"}', 9, 'm.jsonl')).toThrow('line 9, field type');
    expect(() => parseJobLogLine('{"type":"finished","step":1,"samplesSeen":1,"wallTime":1,"weights":[3]}', 5, 'm.jsonl')).toThrow('field weights');
    expect(() => parseJobLogLine('not json', 1, 'm.jsonl')).toThrow('m.jsonl, line 1: not a JSON object');
  });
});

describe('job weights', () => {
  const config = {
    tableSizes: [3, 2],
    architecture: { numDense: 2, numFeatures: 2, embeddingDim: 2, bottomSizes: [2, 2], topSizes: [5, 1], interaction: 'dot' },
  } as unknown as TorchJobConfig;

  it('gathers every table from its rank and refuses a missing or mis-sized array', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlrm-job-weights-'));
    writeTensorFile(join(dir, 'weights-rank0.bin'), TORCH_WEIGHTS_FORMAT, {}, [
      { name: 'table/1', data: Float32Array.of(1, 2, 3, 4) },
      { name: 'dense/0', data: new Float32Array(4) },
      { name: 'dense/1', data: new Float32Array(2) },
      { name: 'dense/2', data: new Float32Array(5) },
      { name: 'dense/3', data: new Float32Array(1) },
    ]);
    expect(() => readJobWeights(dir, config, ['weights-rank0.bin'])).toThrow('no rank wrote table 0');
    writeTensorFile(join(dir, 'weights-rank1.bin'), TORCH_WEIGHTS_FORMAT, {}, [{ name: 'table/0', data: Float32Array.of(5, 6, 7, 8, 9, 10) }]);
    const weights = readJobWeights(dir, config, ['weights-rank0.bin', 'weights-rank1.bin']);
    expect(Array.from(weights.tables[0])).toEqual([5, 6, 7, 8, 9, 10]);
    expect(Array.from(weights.tables[1])).toEqual([1, 2, 3, 4]);
    writeTensorFile(join(dir, 'weights-rank2.bin'), TORCH_WEIGHTS_FORMAT, {}, [{ name: 'table/0', data: new Float32Array(5) }]);
    expect(() => readJobWeights(dir, config, ['weights-rank0.bin', 'weights-rank2.bin'])).toThrow('table 0 has 5 values, expected 6');
    expect(() => readJobWeights(dir, config, ['../weights-rank0.bin'])).toThrow('plain file name');
  });

  it('assembles a table split by rows from its ranges, and refuses a missing or foreign range', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlrm-job-weights-rows-'));
    const split = { ...config, plan: { worldSize: 2, tableOwner: [1, 0], rowSplits: [{ table: 0, ranks: [1, 0], rowStarts: [0, 1, 3] }] } } as TorchJobConfig;
    const dense = [new Float32Array(4), new Float32Array(2), new Float32Array(5), new Float32Array(1)].map((data, i) => ({ name: `dense/${i}`, data }));
    writeTensorFile(join(dir, 'weights-rank0.bin'), TORCH_WEIGHTS_FORMAT, {}, [{ name: 'table/0@1', data: Float32Array.of(3, 4, 5, 6) }, { name: 'table/1', data: Float32Array.of(1, 2, 3, 4) }, ...dense]);
    writeTensorFile(join(dir, 'weights-rank1.bin'), TORCH_WEIGHTS_FORMAT, {}, [{ name: 'table/0@0', data: Float32Array.of(1, 2) }]);
    const weights = readJobWeights(dir, split, ['weights-rank0.bin', 'weights-rank1.bin']);
    expect(Array.from(weights.tables[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => readJobWeights(dir, split, ['weights-rank0.bin'])).toThrow('table 0 is split by rows and a rank did not write its range');
    writeTensorFile(join(dir, 'weights-rank2.bin'), TORCH_WEIGHTS_FORMAT, {}, [{ name: 'table/0@2', data: Float32Array.of(1, 2) }]);
    expect(() => readJobWeights(dir, split, ['weights-rank0.bin', 'weights-rank2.bin'])).toThrow('"table/0@2" is not a row range of the job\'s plan');
    expect(() => readJobWeights(dir, config, ['weights-rank0.bin'])).toThrow('"table/0@1" is not a row range');
  });
});
