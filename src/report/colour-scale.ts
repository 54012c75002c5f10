/** The score colour ramp of grid maps and legends: calm slate for 0 through amber to deep rose for 1. */

const STOPS: Array<[number, [number, number, number]]> = [
  [0, [226, 232, 240]],
  [0.3, [253, 230, 138]],
  [0.6, [251, 146, 60]],
  [0.85, [225, 29, 72]],
  [1, [136, 19, 55]],
];

function hex(n: number): string {
  return Math.round(n).toString(16).padStart(2, '0');
}

/** CSS colour (`#rrggbb`) of a score in [0, 1]; values outside are clamped. */
export function scoreColour(score: number): string {
  const s = Math.max(0, Math.min(1, Number.isFinite(score) ? score : 0));
  for (let i = 1; i < STOPS.length; i++) {
    const [t1, c1] = STOPS[i]!;
    const [t0, c0] = STOPS[i - 1]!;
    if (s <= t1) {
      const f = (s - t0) / (t1 - t0);
      return `#${hex(c0[0] + f * (c1[0] - c0[0]))}${hex(c0[1] + f * (c1[1] - c0[1]))}${hex(c0[2] + f * (c1[2] - c0[2]))}`;
    }
  }
  return '#881337';
}

/** The ramp as CSS `linear-gradient` stops, for legends. */
export function scoreGradientCss(): string {
  return `linear-gradient(90deg, ${STOPS.map(([t]) => `${scoreColour(t)} ${t * 100}%`).join(', ')})`;
}
