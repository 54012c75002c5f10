/**
 * Builds small synthetic Cloud-Optimized GeoTIFFs with known pixel values: raw bytes plus a VRT that
 * georeferences them, converted by `gdal_translate -of COG` (Debian package gdal-bin).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether gdal_translate is on the PATH. */
export function hasGdal(): boolean {
  try {
    execFileSync('gdal_translate', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A synthetic raster. */
export interface CogSpec {
  /** EPSG code of the CRS. */
  epsg: number;
  width: number;
  height: number;
  /** Upper-left corner x, y in CRS units. */
  originX: number;
  originY: number;
  /** Pixel size in CRS units (square). */
  res: number;
  /** Number of bands. */
  bands: number;
  /** GDAL data type: Byte, UInt16 or Int16. */
  type: 'Byte' | 'UInt16' | 'Int16';
  /** Stored value of band b (0-based) at pixel column x, row y. */
  value: (b: number, x: number, y: number) => number;
  /** Nodata value, if any. */
  nodata?: number;
  /** Band descriptions, if any. */
  descriptions?: string[];
  /** Tile size (default 256). */
  blockSize?: number;
  /** Compression (default DEFLATE). */
  compress?: 'DEFLATE' | 'NONE';
  /** Overviews: AUTO (default) or NONE. */
  overviews?: 'AUTO' | 'NONE';
}

const BYTES = { Byte: 1, UInt16: 2, Int16: 2 } as const;

/** Writes `<name>.tif` (COG) into dir and returns its path. */
export function makeCog(dir: string, name: string, spec: CogSpec): string {
  const bpp = BYTES[spec.type];
  const raw = Buffer.alloc(spec.width * spec.height * spec.bands * bpp);
  let k = 0;
  for (let b = 0; b < spec.bands; b++) {
    for (let y = 0; y < spec.height; y++) {
      for (let x = 0; x < spec.width; x++) {
        const v = spec.value(b, x, y);
        if (spec.type === 'Byte') raw.writeUInt8(v, k);
        else if (spec.type === 'UInt16') raw.writeUInt16LE(v, k);
        else raw.writeInt16LE(v, k);
        k += bpp;
      }
    }
  }
  const rawPath = join(dir, `${name}.raw`);
  writeFileSync(rawPath, raw);
  const bandXml = Array.from({ length: spec.bands }, (_, b) => {
    const offset = b * spec.width * spec.height * bpp;
    return `<VRTRasterBand dataType="${spec.type}" band="${b + 1}" subClass="VRTRawRasterBand">
  ${spec.descriptions?.[b] ? `<Description>${spec.descriptions[b]}</Description>` : ''}
  ${spec.nodata !== undefined ? `<NoDataValue>${spec.nodata}</NoDataValue>` : ''}
  <SourceFilename relativetoVRT="1">${name}.raw</SourceFilename>
  <ImageOffset>${offset}</ImageOffset><PixelOffset>${bpp}</PixelOffset><LineOffset>${spec.width * bpp}</LineOffset><ByteOrder>LSB</ByteOrder>
</VRTRasterBand>`;
  }).join('\n');
  const vrt = `<VRTDataset rasterXSize="${spec.width}" rasterYSize="${spec.height}">
<SRS>EPSG:${spec.epsg}</SRS>
<GeoTransform>${spec.originX}, ${spec.res}, 0, ${spec.originY}, 0, ${-spec.res}</GeoTransform>
${bandXml}
</VRTDataset>`;
  const vrtPath = join(dir, `${name}.vrt`);
  writeFileSync(vrtPath, vrt);
  const out = join(dir, `${name}.tif`);
  execFileSync(
    'gdal_translate',
    [
      '-q',
      '-of',
      'COG',
      '-co',
      `BLOCKSIZE=${spec.blockSize ?? 256}`,
      '-co',
      `COMPRESS=${spec.compress ?? 'DEFLATE'}`,
      '-co',
      `OVERVIEWS=${spec.overviews ?? 'AUTO'}`,
      vrtPath,
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return out;
}

/** A tiny one-band 8 × 8 raster at 10 m (CRS left to the caller). */
export const SMALL_COG = {
  originX: 500000,
  originY: 5000000,
  width: 8,
  height: 8,
  res: 10,
  bands: 1,
  type: 'Byte' as const,
  value: () => 7,
  overviews: 'NONE' as const,
};

/**
 * A GeoTIFF whose ProjectedCSTypeGeoKey holds `code`: GDAL refuses to write codes it does not know, so an
 * EPSG:32633 file is written and the key's value is patched in its GeoKeyDirectory (one SHORT, in place).
 */
export function withProjectedCode(dir: string, name: string, code: number): string {
  const path = makeCog(dir, name, { ...SMALL_COG, epsg: 32633, compress: 'NONE' });
  const bytes = readFileSync(path);
  // Key entry: KeyID 3072 (ProjectedCSTypeGeoKey), location 0, count 1, value 32633 — little-endian shorts.
  const entry = Buffer.from([0x00, 0x0c, 0x00, 0x00, 0x01, 0x00, 0x79, 0x7f]);
  const at = bytes.indexOf(entry);
  if (at < 0 || bytes.indexOf(entry, at + 1) >= 0)
    throw new Error(`no unique ProjectedCSTypeGeoKey in ${path}`);
  bytes.writeUInt16LE(code, at + 6);
  writeFileSync(path, bytes);
  return path;
}
