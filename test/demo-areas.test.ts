/**
 * Alert areas on the demo come from changed pixels: the flood (raised by post-event assessment) and the
 * burn (raised by monitoring, whose pair check keeps the pixel masks of the chips it confirms) are each
 * within 5 % of the generator's truth mask.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAlerts, type AlertSummary } from '../src/store/read-queries.ts';
import { demoViewerFixture } from './helpers/viewer-fixture.ts';

/** Pixels set (≥ 128) in a truth mask PNG. */
async function truthPixels(file: string): Promise<number> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < info.width * info.height; i++) if (data[i * info.channels]! >= 128) n++;
  return n;
}

describe('alert areas on the demo', () => {
  let fixture: Awaited<ReturnType<typeof demoViewerFixture>>;
  let alerts: AlertSummary[];
  let truthDir: string;

  beforeAll(async () => {
    fixture = await demoViewerFixture();
    alerts = await fixture.db.readOnly((q) => listAlerts(q));
    const series = readdirSync(join(fixture.home, 'demo')).find((d) => d.startsWith('series-'))!;
    truthDir = join(fixture.home, 'demo', series, 'truth');
  }, 600_000);

  afterAll(async () => {
    await fixture?.close();
  });

  it('measures the flood and the burn from pixels, each within 5 % of the truth mask (10 m pixels)', async () => {
    const km2 = (kind: string) => alerts.find((a) => a.kind === kind)!.areaKm2;
    const truth = {
      flood: ((await truthPixels(join(truthDir, 'flood.png'))) * 100) / 1e6,
      burn: ((await truthPixels(join(truthDir, 'burn.png'))) * 100) / 1e6,
    };
    expect(alerts.map((a) => a.kind).sort()).toEqual(['burn', 'flood']);
    // The generator's masks: 3991 flooded and 2034 burnt 10 m pixels.
    expect(truth).toEqual({ flood: 0.3991, burn: 0.2034 });
    // Found: 3990 flooded pixels, and every burnt one — the scar's edge in a third chip, too little of
    // that chip for it to alert, counts as the continuation of the scar in the alert's two chips.
    expect([km2('flood'), km2('burn')]).toEqual([0.399, 0.2034]);
    expect(Math.abs(km2('flood') / truth.flood - 1)).toBeLessThan(0.05);
    expect(Math.abs(km2('burn') / truth.burn - 1)).toBeLessThan(0.05);
  });
});
