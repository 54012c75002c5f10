import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.ts';
import { radarWater } from '../src/detect/radar-water.ts';
import { medianFilter } from '../src/detect/speckle.ts';
import type { ImageValue } from '../src/imagery/image.ts';
import { openRaster } from '../src/imagery/raster-reader.ts';
import { toBackscatter } from '../src/imagery/radar-image.ts';

const RASTERS = join(import.meta.dirname, '..', '..', 'shared', 'data', 'rasters');
const S1 = join(RASTERS, 'Spain_7370579_S1Hand.tif');
const LABEL = join(RASTERS, 'Spain_7370579_LabelHand.tif');
const present = existsSync(S1) && existsSync(LABEL);
if (!present)
  console.warn(
    `../shared/data/rasters (Sen1Floods11 sample) not found: radar water test on real bytes skipped`,
  );

/** A dB backscatter image of one row per entry of `rows`, bands vv (and vh when given). */
function radar(width: number, vv: number[], vh?: number[]): ImageValue {
  const bands = vh ? ['vv', 'vh'] : ['vv'];
  return {
    width,
    height: vv.length / width,
    bands,
    data: (vh ? [vv, vh] : [vv]).map((v) => Float32Array.from(v)),
    mask: new Uint8Array(vv.length).fill(1),
    crs: null,
    bounds: null,
    scale: 'backscatter',
  };
}

describe('speckle filter', () => {
  it('takes the median of the valid pixels of the window, clipped at the edges', () => {
    const img = radar(3, [1, 9, 2, 8, 3, 7, 4, 6, 5]);
    img.mask[4] = 0;
    const out = medianFilter(img, 3);
    // centre stays invalid (0); corner (0,0) sees 1, 9, 8 (the centre left out): median 8; (1,0) sees 1, 9, 2, 8, 7
    expect(Array.from(out.data[0]!)).toEqual([8, 7, 7, 6, 0, 6, 6, 6, 6]);
    // an even count of valid pixels: the mean of the middle two
    expect(Array.from(medianFilter(radar(2, [1, 4]), 3).data[0]!)).toEqual([2.5, 2.5]);
    expect(Array.from(out.mask)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
    expect(() => medianFilter(img, 4)).toThrow(InputError);
  });
});

describe('radar water', () => {
  it('cuts each polarisation at its Otsu threshold and maps no water where the cut lies above the ceiling', () => {
    // A flooded scene: half water (−22 dB VV), half land (−8 dB VV).
    const flooded = radar(4, [-22, -22, -8, -8, -22, -22, -8, -8]);
    const w = radarWater(flooded, { window: 1 });
    expect(Array.from(w.water)).toEqual([1, 1, 0, 0, 1, 1, 0, 0]);
    expect(w.used).toEqual({ vv: true, vh: false });
    expect(w.thresholdDb.vv).toBe(-22 + 14 / 256);
    // A dry scene: forest −8 dB and cleared ground −12 dB split at −11.98 dB, above the −13 dB ceiling.
    const dry = radarWater(radar(4, [-12, -12, -8, -8, -12, -12, -8, -8]), { window: 1 });
    expect(dry.waterPixels).toBe(0);
    expect(dry.used.vv).toBe(false);
  });

  it('refuses images that are not dB backscatter', () => {
    const img = { ...radar(2, [-20, -8]), scale: 'reflectance' as const };
    expect(() => radarWater(img)).toThrow(/scale "reflectance"; radar evidence needs backscatter in dB/);
    expect(() => radarWater({ ...radar(2, [-20, -8]), bands: ['hh'] })).toThrow(/no vv band \(bands: hh\)/);
  });
});

describe.skipIf(!present)('radar water on Sen1Floods11 (Spain_7370579, hand label)', () => {
  it('maps water from VV and VH alone at IoU 0.6190 with per-scene Otsu cuts after a 5×5 median filter', async () => {
    const reader = openRaster(S1, { bandNames: ['vv', 'vh'] });
    const raw = await reader.preview({ maxSize: 512 });
    await reader.close();
    const image = toBackscatter(raw, { units: 'db', asset: S1, required: ['vv', 'vh'] });
    const labelReader = openRaster(LABEL, { scaling: { b1: { scale: 1, kind: 'class' } } });
    const label = (await labelReader.preview({ maxSize: 512 })).data[0]!;
    await labelReader.close();
    const result = radarWater(image);
    let inter = 0;
    let union = 0;
    let labelled = 0;
    for (let i = 0; i < label.length; i++) {
      const l = label[i]!;
      if (l !== 0 && l !== 1) continue; // −1: no data
      labelled++;
      const w = result.water[i] === 1;
      if (w && l === 1) inter++;
      if (w || l === 1) union++;
    }
    const iou = inter / union;
    console.log(
      `Sen1Floods11 Spain_7370579: radar water IoU ${iou.toFixed(4)} (VV cut ${result.thresholdDb.vv.toFixed(2)} dB, VH cut ${result.thresholdDb.vh!.toFixed(2)} dB, ${inter}/${union} px)`,
    );
    expect(labelled).toBe(262045);
    expect(result.used).toEqual({ vv: true, vh: true });
    expect(result.thresholdDb.vv.toFixed(4)).toBe('-13.8682');
    expect(result.thresholdDb.vh!.toFixed(4)).toBe('-21.3132');
    expect(inter).toBe(54511);
    expect(union).toBe(88057);
    expect(iou.toFixed(4)).toBe('0.6190');
  }, 60_000);
});
