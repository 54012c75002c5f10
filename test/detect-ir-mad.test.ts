import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { fitIrMad, madChiSquare, noChangeProbability, type MadBlock } from '../src/detect/ir-mad.ts';
import { madStatistic } from '../src/detect/classical.ts';
import { pixelRow } from './helpers/pixel-row.ts';

const ones = (n: number) => new Uint8Array(n).fill(1);

// Columns of the 8×8 Sylvester–Hadamard matrix but the first: zero mean, mutually orthogonal.
const hadamard = (k: number) => Array.from({ length: 8 }, (_, i) => (popcount(i & k) % 2 ? -1 : 1));
const popcount = (v: number) => v.toString(2).split('1').length - 1;
const add = (...vs: number[][]) => vs[0]!.map((_, i) => vs.reduce((s, v) => s + v[i]!, 0));
const scale = (v: number[], k: number) => v.map((x) => x * k);

describe('MAD transform', () => {
  it('of one band is the difference of the standardised images, with variance 2(1 − ρ) and ρ the correlation', () => {
    // x mean 2.5, variance 1.25; y mean 5.25, variance 6.6875; covariance 2.875 (population moments).
    const block: MadBlock = { before: [[1, 2, 3, 4]], after: [[2, 4, 6, 9]], mask: ones(4) };
    const fit = fitIrMad([block], { maxIterations: 1 });
    const rho = 2.875 / Math.sqrt(1.25 * 6.6875);
    expect(rho).toBeCloseTo(0.9943767127, 9);
    expect(fit.rho[0]).toBeCloseTo(rho, 8);
    expect(fit.a[0]![0]).toBeCloseTo(1 / Math.sqrt(1.25), 8);
    expect(fit.b[0]![0]).toBeCloseTo(1 / Math.sqrt(6.6875), 8);
    expect(fit.variance[0]).toBeCloseTo(2 * (1 - rho), 8);
    expect(fit.meanBefore).toEqual([2.5]);
    expect(fit.meanAfter).toEqual([5.25]);
    expect({ iterations: fit.iterations, converged: fit.converged, pixels: fit.pixels }).toEqual({
      iterations: 1,
      converged: false,
      pixels: 4,
    });
    const z = madChiSquare(fit, block);
    const expected = [1, 2, 3, 4].map(
      (x, i) =>
        ((x - 2.5) / Math.sqrt(1.25) - ([2, 4, 6, 9][i]! - 5.25) / Math.sqrt(6.6875)) ** 2 / (2 * (1 - rho)),
    );
    expect(expected.map((v) => Number(v.toFixed(4)))).toEqual([0.6407, 0.1162, 2.1971, 1.046]);
    z.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
  });

  it('finds the canonical correlations of independent band pairs, smallest first', () => {
    const [h1, h2, h3, h4] = [hadamard(1), hadamard(2), hadamard(4), hadamard(3)];
    // corr(x1, y1) = 1/√1.25; corr(x2, y2) = −1/√5; every cross-pair correlation is 0.
    const block: MadBlock = {
      before: [h1!, h2!],
      after: [add(h1!, scale(h3!, 0.5)), add(scale(h2!, -1), scale(h4!, 2))],
      mask: ones(8),
    };
    const fit = fitIrMad([block], { maxIterations: 1 });
    expect(fit.rho[0]).toBeCloseTo(1 / Math.sqrt(5), 8);
    expect(fit.rho[1]).toBeCloseTo(1 / Math.sqrt(1.25), 8);
    // The second variate is band 1's pair (a ∝ x1, b ∝ y1), the first band 2's with b of opposite sign.
    expect(fit.a[1]![1]).toBeCloseTo(0, 8);
    expect(fit.a[1]![0]).toBeCloseTo(1, 8);
    expect(fit.b[1]![0]).toBeCloseTo(1 / Math.sqrt(1.25), 8);
    expect(fit.a[0]![0]).toBeCloseTo(0, 8);
    expect(fit.a[0]![1]).toBeCloseTo(1, 8);
    expect(fit.b[0]![1]).toBeCloseTo(-1 / Math.sqrt(5), 8);
  });

  it('gives Z a mean of exactly B over the pixels it was fitted on, and the same Z under affine changes of either image', () => {
    const n = 12;
    const t = Array.from({ length: n }, (_, i) => i);
    const x = [t.map((i) => Math.sin(i)), t.map((i) => Math.cos(1.7 * i)), t.map((i) => (i % 4) - 1.5)];
    const y = [
      t.map((i) => Math.sin(i) + 0.3 * Math.cos(3 * i)),
      t.map((i) => 2 * Math.cos(1.7 * i) - Math.sin(0.5 * i)),
      t.map((i) => (i % 3) + 0.2 * Math.sin(i)),
    ];
    const block: MadBlock = { before: x, after: y, mask: ones(n) };
    const z = madChiSquare(fitIrMad([block], { maxIterations: 1 }), block);
    expect(z.reduce((s, v) => s + v, 0) / n).toBeCloseTo(3, 6);
    // Gains, offsets and a mixing of the after bands (a display stretch, another sensor's calibration).
    const mixed = y[0]!.map((_, i) => [
      3 * y[0]![i]! + 7,
      0.5 * y[1]![i]! - 2 * y[0]![i]! + 1,
      -y[2]![i]! + 4,
    ]);
    const other: MadBlock = {
      before: x.map((band) => band.map((v) => 10 * v - 3)),
      after: [0, 1, 2].map((b) => mixed.map((p) => p[b]!)),
      mask: ones(n),
    };
    const z2 = madChiSquare(fitIrMad([other], { maxIterations: 1 }), other);
    z2.forEach((v, i) => expect(v).toBeCloseTo(z[i]!, 4));
  });

  it('sums the moments of several blocks as one scene, and leaves masked pixels out (NaN)', () => {
    const whole: MadBlock = { before: [[1, 2, 3, 4, 50]], after: [[2, 4, 6, 9, -80]], mask: [1, 1, 1, 1, 0] };
    const split: MadBlock[] = [
      { before: [[1, 2]], after: [[2, 4]], mask: ones(2) },
      { before: [[3, 4]], after: [[6, 9]], mask: ones(2) },
    ];
    const a = fitIrMad([whole], { maxIterations: 1 });
    const b = fitIrMad(split, { maxIterations: 1 });
    expect(a.pixels).toBe(4);
    expect(b.rho[0]).toBeCloseTo(a.rho[0]!, 10);
    expect(Number.isNaN(madChiSquare(a, whole)[4]!)).toBe(true);
  });
});

describe('IR-MAD reweighting', () => {
  it('stops when the correlations no longer move: an exact linear relation converges at the second iteration', () => {
    const block: MadBlock = { before: [[1, 2, 3, 5, 8]], after: [[3, 5, 7, 11, 17]], mask: ones(5) };
    const fit = fitIrMad([block]);
    expect(fit.iterations).toBe(2);
    expect(fit.converged).toBe(true);
    expect(fit.rho[0]).toBeCloseTo(1, 8);
  });

  it('weights each pixel by its no-change probability under the last fit: one changed pixel stops shaping the next', () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const y = [1.1, 2.0, 2.9, 4.1, 5.0, 5.9, 7.1, 8.0, 30, 10.1];
    const block: MadBlock = { before: [x], after: [y], mask: ones(10) };
    const plain = fitIrMad([block], { maxIterations: 1 });
    const weighted = fitIrMad([block], { maxIterations: 2 });
    const correlation = (w: number[]) => {
      const W = w.reduce((s, v) => s + v, 0);
      const mean = (v: number[]) => v.reduce((s, e, i) => s + w[i]! * e, 0) / W;
      const [mx, my] = [mean(x), mean(y)];
      const cov = (u: number[], mu: number, v: number[], mv: number) =>
        u.reduce((s, e, i) => s + w[i]! * (e - mu) * (v[i]! - mv), 0) / W;
      return cov(x, mx, y, my) / Math.sqrt(cov(x, mx, x, mx) * cov(y, my, y, my));
    };
    expect(plain.rho[0]).toBeCloseTo(correlation(x.map(() => 1)), 8);
    expect(Number(plain.rho[0]!.toFixed(3))).toBe(0.687);
    const z = madChiSquare(plain, block);
    const w = Array.from(z, (v) => noChangeProbability(v, 1));
    // The changed pixel (after 30 where 9 was expected) keeps the least weight; next come its neighbours,
    // which it pulled the plain fit away from.
    expect(w.map((v) => Number(v.toFixed(3))).slice(7)).toEqual([0.298, 0.042, 0.113]);
    expect(weighted.iterations).toBe(2);
    expect(weighted.rho[0]).toBeCloseTo(correlation(w), 6);
    expect(Number(weighted.rho[0]!.toFixed(3))).toBe(0.796);
  });
});

describe('no-change probability', () => {
  it('is the χ² upper tail: exp(−z/2) for two degrees of freedom, 0.05 at the 95 % quantile of one', () => {
    expect(noChangeProbability(2, 2)).toBeCloseTo(Math.exp(-1), 12);
    expect(noChangeProbability(3.841458820694124, 1)).toBeCloseTo(0.05, 9);
    expect(noChangeProbability(0, 3)).toBe(1);
  });
});

describe('bad input', () => {
  it('names the band counts of a block that does not match the first, and the pixel count when too few are valid', () => {
    const a: MadBlock = { before: [[1, 2, 3]], after: [[1, 2, 3]], mask: ones(3) };
    const b: MadBlock = { before: [[1], [2]], after: [[1], [2]], mask: ones(1) };
    expect(() => fitIrMad([a, b])).toThrow(InputError);
    expect(() => fitIrMad([a, b])).toThrow('IR-MAD block has 2 before and 2 after bands; expected 1 each');
    const few: MadBlock = { before: [[1, 2]], after: [[1, 2]], mask: [1, 0] };
    expect(() => fitIrMad([few])).toThrow('IR-MAD has 1 usable pixels; 1 bands need at least 2');
    expect(() => fitIrMad([a], { maxIterations: 0 })).toThrow(
      'IR-MAD maxIterations 0 must be an integer ≥ 1',
    );
  });
});

describe('MAD χ² baseline', () => {
  it('is Z of the scene-wide plain MAD at each pixel valid in both images, NaN elsewhere', () => {
    const bands = ['red', 'nir'];
    const before = pixelRow(bands, [
      [0.1, 0.3],
      [0.2, 0.35],
      [0.15, 0.2],
      [0.3, 0.5],
      [0.05, 0.4],
    ]);
    const after = pixelRow(
      bands,
      [
        [0.12, 0.31],
        [0.22, 0.3],
        [0.3, 0.05],
        [0.31, 0.52],
        [0.07, 0.38],
      ],
      [1, 1, 1, 1, 0],
    );
    const z = madStatistic(before, after);
    const block: MadBlock = {
      before: before.data,
      after: after.data,
      mask: [1, 1, 1, 1, 0],
    };
    const direct = madChiSquare(fitIrMad([block], { maxIterations: 1 }), block);
    expect(Array.from(z.slice(0, 4))).toEqual(Array.from(direct.slice(0, 4)));
    expect(Number.isNaN(z[4]!)).toBe(true);
  });
});
