import { describe, expect, it } from 'vitest';
import type { ProjectionPoint, ProjectionResult } from '../../../../../src-main/service/contract';
import { fitLine, logit, pairValue } from './mf';
import { countShare, pointColors, projectionCsv, searchPoints } from './projector';

function point(id: number, value: string | null, count: number, ctr: number | null, group: number | null): ProjectionPoint {
  return { id, coords: [id, -id], value, count, ctr, group };
}

describe('projector helpers', () => {
  const points = [point(0, 'ab12', 100, 0.2, 1), point(1, 'x,"y"', 1, null, null), point(2, null, 10, 0.1, 0)];

  it('writes CSV with quoting and empty missing values', () => {
    const result: ProjectionResult = { runId: 'r', table: 0, method: 'pca', dims: 2, points, explainedVariance: null, millis: 1 };
    expect(projectionCsv(result).split('\n')).toEqual([
      'id,value,count,ctr,group,x,y',
      '0,ab12,100,0.2,1,0,0',
      '1,"x,""y""",1,,,1,-1',
      '2,,10,0.1,0,2,-2',
      '',
    ]);
  });

  it('colours missing CTR and group grey', () => {
    const byCtr = pointColors(points, 'ctr');
    expect(Array.from(byCtr.slice(4, 8))).toEqual([150, 150, 150, 220]);
    const byGroup = pointColors(points, 'group');
    expect(Array.from(byGroup.slice(4, 7))).toEqual([150, 150, 150]);
  });

  it('maps counts on a log scale', () => {
    // log(10) / log(100) = 0.5
    expect(countShare(10, 100)).toBeCloseTo(0.5, 10);
    expect(countShare(1, 100)).toBe(0);
  });

  it('searches values case-insensitively and ids exactly', () => {
    expect(searchPoints(points, 'AB')).toEqual([0]);
    expect(searchPoints(points, '2')).toEqual([0, 2]);
    expect(searchPoints(points, '  ')).toEqual([]);
  });
});

describe('matrix-factorisation numbers', () => {
  it('recovers logit = dot + bias exactly', () => {
    const rows = [-2, -0.5, 0.3, 1.7].map((dot, row) => {
      const prediction = 1 / (1 + Math.exp(-(dot - 0.4)));
      return { row, dot, prediction, logit: logit(prediction), label: null };
    });
    const fit = fitLine(rows);
    expect(fit.slope).toBeCloseTo(1, 6);
    expect(fit.intercept).toBeCloseTo(-0.4, 6);
    expect(fit.maxResidual).toBeLessThan(1e-6);
    expect(fit.correlation).toBeCloseTo(1, 6);
  });

  it('reads a pair from whichever triangle holds it', () => {
    const matrix = [
      [0, 0, 0],
      [5, 0, 0],
      [0, 0, 0],
    ];
    expect(pairValue(matrix, 0, 1)).toBe(5);
    expect(pairValue(matrix, 1, 0)).toBe(5);
    expect(pairValue([[0, 7], [0, 0]], 1, 0)).toBe(7);
  });
});
