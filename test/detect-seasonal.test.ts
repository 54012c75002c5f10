import { describe, expect, it } from 'vitest';
import { advance, provisional, type LaterLook } from '../src/detect/confirmation.ts';
import { detectChip } from '../src/detect/detect-chip.ts';
import { fitHarmonic, predictHarmonic, YEAR_MS } from '../src/detect/harmonic.ts';
import { SEASONAL_Z, SIGMA_FLOOR, seasonalEvidence, seasonalWindow } from '../src/detect/seasonal.ts';
import { chipState as state } from './helpers/chip-states.ts';

/** A season: 0.5 + 0.2 cos 2πt − 0.1 sin 2πt + 0.05 cos 4πt + 0.03 sin 4πt (t in years since 1970). */
const season = (t: number) =>
  0.5 +
  0.2 * Math.cos(2 * Math.PI * t) -
  0.1 * Math.sin(2 * Math.PI * t) +
  0.05 * Math.cos(4 * Math.PI * t) +
  0.03 * Math.sin(4 * Math.PI * t);
/** Monthly looks from 2020.0 (t = 50 years since 1970, an exact phase 0). */
const month = (k: number) => 50 + k / 12;
const iso = (t: number) => new Date(Math.round(t * YEAR_MS)).toISOString();

describe('harmonic fit', () => {
  it('recovers known constant, trend, annual and semi-annual coefficients from an exact series', () => {
    const t = Array.from({ length: 30 }, (_, k) => month(k) + 0.013 * (k % 3));
    const y = t.map((x) => season(x) + 0.04 * (x - 51));
    const m = fitHarmonic(t, y, { trend: true })!;
    const tRef = t.reduce((a, b) => a + b, 0) / t.length;
    expect(m.tRef).toBeCloseTo(tRef, 12);
    expect(m.constant).toBeCloseTo(0.5 + 0.04 * (tRef - 51), 9);
    expect(m.trend).toBeCloseTo(0.04, 9);
    expect(m.annual[0]).toBeCloseTo(0.2, 9);
    expect(m.annual[1]).toBeCloseTo(-0.1, 9);
    expect(m.semiAnnual[0]).toBeCloseTo(0.05, 9);
    expect(m.semiAnnual[1]).toBeCloseTo(0.03, 9);
    expect(m.sigma).toBeCloseTo(0, 9);
    expect(predictHarmonic(m, 52.25)).toBeCloseTo(season(52.25) + 0.04 * 1.25, 9);
  });

  it('refuses fewer than two looks per coefficient, and looks that cannot separate the terms', () => {
    expect(
      fitHarmonic([50, 50.1, 50.2, 50.3, 50.4, 50.5, 50.6, 50.7, 50.8], new Array(9).fill(0.5)),
    ).toBeUndefined();
    const samePhase = Array.from({ length: 12 }, (_, k) => 50 + k); // every look on 1 January
    expect(fitHarmonic(samePhase, new Array(12).fill(0.5))).toBeUndefined();
  });
});

describe('seasonal anomaly', () => {
  // Two years less a fortnight of monthly looks (no trend): the season plus ±0.02 alternating, a
  // pattern orthogonal to every harmonic term, so the fit is exact and every residual is ±0.02.
  const history = Array.from({ length: 24 }, (_, k) =>
    state(k + 1, iso(month(k)), { ndvi: season(month(k)) + (k % 2 ? -0.02 : 0.02) }),
  );

  it('gives a known anomaly its exact σ: 1.4826 · MAD · √(n / (n − p))', () => {
    const t = month(23.5);
    const current = state(99, iso(t), { ndvi: season(t) - 0.1 });
    const s = seasonalEvidence(current, seasonalWindow(current, history))!;
    const sigma = 1.4826 * 0.02 * Math.sqrt(24 / 19);
    expect(s.looks).toBe(24);
    expect(s.trend).toBe(false);
    expect(s.expected.ndvi).toBeCloseTo(season(t), 9);
    expect(s.sigma.ndvi).toBeCloseTo(sigma, 9);
    expect(s.z.ndvi).toBeCloseTo(-0.1 / sigma, 6);
  });

  it('floors σ at the radiometric noise of a chip index for a series that never moved off its season', () => {
    const exact = history.map((h, k) => ({ ...h, stats: { ndvi: season(month(k)) } }));
    const t = month(23.5);
    const current = state(99, iso(t), { ndvi: season(t) - 0.05 });
    const s = seasonalEvidence(current, seasonalWindow(current, exact))!;
    expect(s.sigma.ndvi).toBe(SIGMA_FLOOR);
    expect(s.z.ndvi).toBeCloseTo(-5, 6);
  });

  it('needs a year of history: eleven months of looks keep the envelope rule', () => {
    const current = state(99, iso(month(11)), { ndvi: 0.1 });
    expect(seasonalEvidence(current, seasonalWindow(current, history.slice(0, 11)))).toBeUndefined();
  });

  it('does not call a harvest a vegetation loss once a season of history exists; a forest cleared to a new low it does', () => {
    // A field: green in summer, bare (NDVI 0.15) from its harvest at the start of August to October.
    const field = (t: number) => {
      const phase = t - Math.floor(t);
      return phase >= 7 / 12 && phase < 10 / 12 ? 0.15 : 0.7;
    };
    const looks = Array.from({ length: 36 }, (_, k) =>
      state(k + 1, iso(month(k)), { ndvi: field(month(k)) + (k % 2 ? -0.01 : 0.01) }),
    );
    // The third harvest, a fortnight early: far below the seasonal curve, but a state of every season.
    const t = month(30.5);
    const harvest = detectChip(state(99, iso(t), { ndvi: 0.15 }), looks);
    expect(harvest.seasonal!.z.ndvi).toBeLessThan(-SEASONAL_Z); // the premise: a seasonal anomaly
    expect(harvest.evidence.ndviLoss).toBeCloseTo(0.14 - 0.15, 9);
    expect(harvest.kind).toBe('change');
    expect(harvest.signals).toEqual([]);
    // Even below every state it has shown, a field whose lows are bare has no standing vegetation to lose.
    const ploughed = detectChip(state(99, iso(t), { ndvi: 0.05 }), looks);
    expect(ploughed.evidence.ndviLoss).toBeCloseTo(0.14 - 0.05, 9);
    expect(ploughed.kind).toBe('change');
    // A forest (lows 0.6) cleared to 0.3 on the same date: a new low of a chip that kept its vegetation.
    const forest = looks.map((l, k) => ({ ...l, stats: { ndvi: field(month(k)) === 0.15 ? 0.6 : 0.8 } }));
    const cleared = detectChip(state(99, iso(t), { ndvi: 0.3 }), forest);
    expect(cleared.evidence.ndviLoss).toBeCloseTo(0.6 - 0.3, 9);
    expect(cleared.kind).toBe('vegetation-loss');
    expect(cleared.signals).toEqual(['spectral']);
  });
});

describe('construction in monitoring', () => {
  const quiet = (k: number) =>
    state(
      k + 1,
      iso(month(k)),
      { ndvi: 0.6 },
      { prompts: { 'new buildings': 0.1 + (k % 2 ? -0.01 : 0.01) } },
    );
  const built = (n: number) =>
    state(99, iso(month(n + 0.5)), { ndvi: 0.6 }, { prompts: { 'new buildings': 0.9 } });

  it('is not named from a few looks: a harvested field and a building site look alike until the season', () => {
    const d = detectChip(
      built(4),
      Array.from({ length: 4 }, (_, k) => quiet(k)),
    );
    expect(d.seasonal).toBeUndefined();
    expect(d.promptDeltas['new buildings']).toBeCloseTo(0.9 - 0.11, 9);
    expect(d.kind).toBe('change');
    expect(d.signals).toEqual([]);
    expect(d.score).toBe(0);
  });

  it('is named once the chip has a season of history and its prompt is anomalous against it', () => {
    const d = detectChip(
      built(30),
      Array.from({ length: 30 }, (_, k) => quiet(k)),
    );
    expect(d.seasonal).toBeDefined();
    expect(d.kind).toBe('construction');
    expect(d.signals).toEqual(['prompt']);
  });
});

describe('confirmation', () => {
  const run = (looks: LaterLook[]) => looks.reduce(advance, provisional());
  const agree = { clear: true, agrees: true };
  const differ = { clear: true, agrees: false };
  const cloudy = { clear: false, agrees: false };

  it('confirms on the second agreeing clear look among the next four; cloudy looks do not count', () => {
    expect(run([agree])).toEqual({ status: 'provisional', clearLooks: 1, agreeingLooks: 1 });
    expect(run([agree, cloudy, cloudy, differ])).toEqual({
      status: 'provisional',
      clearLooks: 2,
      agreeingLooks: 1,
    });
    expect(run([agree, cloudy, cloudy, differ, agree])).toEqual({
      status: 'confirmed',
      clearLooks: 3,
      agreeingLooks: 2,
    });
    // Confirmed stays confirmed.
    expect(run([agree, agree, differ, differ, differ])).toEqual({
      status: 'confirmed',
      clearLooks: 2,
      agreeingLooks: 2,
    });
  });

  it('dismisses an alert as soon as two agreeing looks among four can no longer happen', () => {
    expect(run([differ, differ])).toEqual({ status: 'provisional', clearLooks: 2, agreeingLooks: 0 });
    expect(run([differ, differ, differ])).toEqual({ status: 'dismissed', clearLooks: 3, agreeingLooks: 0 });
    expect(run([agree, differ, differ, differ])).toEqual({
      status: 'dismissed',
      clearLooks: 4,
      agreeingLooks: 1,
    });
    expect(run([agree, differ, differ, differ, agree])).toEqual({
      status: 'dismissed',
      clearLooks: 4,
      agreeingLooks: 1,
    });
  });
});
