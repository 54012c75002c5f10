/**
 * A synthetic Sentinel-2-like scene in EPSG:32633 as one COG per band (STAC layout): blue, green, red, nir
 * at 10 m (700 × 500 px from x 499000, y 5003000), swir16 and scl at 20 m. Stored values are linear in the
 * pixel position, so every expected value is computable: see `dn10` and `dn20`.
 */
import { makeCog } from './cog-fixtures.ts';

export const SCENE = { epsg: 32633, originX: 499000, originY: 5003000, width: 700, height: 500 };
export const BANDS_10M = ['blue', 'green', 'red', 'nir'];

/** Stored value of 10 m band b (index in BANDS_10M) at pixel (x, y); blue is nodata (0) for x < 10. */
export function dn10(b: number, x: number, y: number): number {
  if (b === 0 && x < 10) return 0;
  return 1000 * (b + 1) + x + 3 * (y % 100);
}

/** Stored value of swir16 (20 m) at pixel (x, y). */
export function dn20(x: number, y: number): number {
  return 5000 + x + 3 * (y % 100);
}

/** SCL class at 20 m pixel (x, y): 9 (cloud) in x 100…149, y 50…99, else 4 (vegetation). */
export function scl(x: number, y: number): number {
  return x >= 100 && x < 150 && y >= 50 && y < 100 ? 9 : 4;
}

/** Writes the scene's COGs into dir; returns band name → file name. */
export function writeScene(dir: string, prefix = 'scene'): Record<string, string> {
  const files: Record<string, string> = {};
  BANDS_10M.forEach((band, b) => {
    makeCog(dir, `${prefix}-${band}`, {
      ...SCENE,
      res: 10,
      bands: 1,
      type: 'UInt16',
      nodata: 0,
      value: (_s, x, y) => dn10(b, x, y),
    });
    files[band] = `${prefix}-${band}.tif`;
  });
  const half = {
    epsg: SCENE.epsg,
    originX: SCENE.originX,
    originY: SCENE.originY,
    width: 350,
    height: 250,
    res: 20,
    bands: 1,
  };
  makeCog(dir, `${prefix}-swir16`, { ...half, type: 'UInt16', nodata: 0, value: (_s, x, y) => dn20(x, y) });
  makeCog(dir, `${prefix}-scl`, { ...half, type: 'Byte', nodata: 0, value: (_s, x, y) => scl(x, y) });
  files.swir16 = `${prefix}-swir16.tif`;
  files.scl = `${prefix}-scl.tif`;
  return files;
}
