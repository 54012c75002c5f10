/**
 * A local folder of real GeoTIFF bytes for passes: one 4-band scene (blue, green, red, nir in EPSG:32633 at
 * 10 m, values `dn10`) written whole for an earlier date and, for a later date, split across a seam with
 * `gdal_translate -srcwin` into a west and an east tile that overlap by 10 columns and leave the last 8
 * columns uncovered. The area is the scene's footprint inset by 5 m: 4 × 3 chips of 32 px.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chipKey, transformer } from '../../src/imagery/index.ts';
import { makeCog } from './cog-fixtures.ts';
import { dn10 } from './imagery-scene.ts';

export const PASS_SCENE = {
  epsg: 32633,
  originX: 1560 * 320,
  originY: 15625 * 320,
  width: 128,
  height: 96,
  chipPx: 32,
};

/** West tile: scene columns 0…69; east tile: 60…119 (columns 120…127 are in neither). */
export const WEST = { x0: 0, width: 70 };
export const EAST = { x0: 60, width: 60 };

/** Writes `<name>.tif`: the scene, or its columns x0 … x0 + width − 1 cut with gdal_translate -srcwin. */
export function writeSceneTile(
  dir: string,
  name: string,
  window?: { x0: number; width: number },
  value: (b: number, x: number, y: number) => number = dn10,
): string {
  mkdirSync(dir, { recursive: true });
  const whole = makeCog(dir, window ? `${name}-whole` : name, {
    ...PASS_SCENE,
    res: 10,
    bands: 4,
    type: 'UInt16',
    nodata: 0,
    descriptions: ['B02', 'B03', 'B04', 'B08'],
    value,
  });
  if (!window) {
    tidy(dir, name);
    return whole;
  }
  const out = join(dir, `${name}.tif`);
  execFileSync(
    'gdal_translate',
    [
      '-q',
      '-of',
      'COG',
      '-srcwin',
      String(window.x0),
      '0',
      String(window.width),
      String(PASS_SCENE.height),
      whole,
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  for (const ext of ['tif', 'vrt', 'raw']) rmSync(join(dir, `${name}-whole.${ext}`));
  return out;
}

/** Removes the VRT and raw files makeCog leaves next to a COG. */
function tidy(dir: string, name: string): void {
  for (const ext of ['vrt', 'raw']) rmSync(join(dir, `${name}.${ext}`), { force: true });
}

/** The area GeoJSON (the scene inset by 5 m) and its chip keys, north-west first by row. */
export function passArea(): { area: unknown; keys: string[][] } {
  const { epsg, originX, originY, width, height, chipPx } = PASS_SCENE;
  const toLonLat = transformer(epsg, 4326);
  const inset = 5;
  const ring = [
    toLonLat(originX + inset, originY - inset),
    toLonLat(originX + width * 10 - inset, originY - inset),
    toLonLat(originX + width * 10 - inset, originY - height * 10 + inset),
    toLonLat(originX + inset, originY - height * 10 + inset),
  ];
  const cell = chipPx * 10;
  const keys: string[][] = [];
  for (let r = 0; r < height / chipPx; r++) {
    keys.push([]);
    for (let c = 0; c < width / chipPx; c++)
      keys[r]!.push(chipKey(epsg, cell, originX / cell + c, originY / cell - 1 - r));
  }
  return { area: { type: 'Polygon', coordinates: [[...ring, ring[0]]] }, keys };
}

/**
 * Valid fraction of each chip column of the split pass: blue is nodata in scene columns 0…9, and the
 * tiles leave columns 120…127 uncovered.
 */
export const SPLIT_VALID = [22 / 32, 1, 1, 24 / 32];
/** Valid fraction of each chip column of the whole scene. */
export const WHOLE_VALID = [22 / 32, 1, 1, 1];
