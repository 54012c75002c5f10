/**
 * A small Cloud-Optimized GeoTIFF writer for single-band uint8 / uint16 rasters in a projected CRS.
 *
 * `geotiff`'s own writer only writes uncompressed strips, so this one lays the file out the way GDAL's
 * COG driver does: header, all image file directories (full resolution, then the optional 2× overview),
 * then the tile data of the overview followed by the full-resolution tiles, each directory's tile
 * offsets ascending. Tiles are deflate-compressed (node:zlib) after horizontal differencing
 * (Predictor 2), and the full-resolution directory carries the GeoKeys (projected CRS by EPSG code),
 * ModelPixelScale, ModelTiepoint and the GDAL_NODATA tag.
 */
import { writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import { InputError } from '../errors.ts';
import { encodeIfd, FieldType, ifdByteLength, Tag, type IfdEntry } from './tiff-ifd.ts';

const deflateAsync = promisify(deflate);

/** One single-band raster on a north-up grid in a projected CRS. */
export interface CogRaster {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Row-major samples; the array type picks the sample type (uint16 or uint8). */
  data: Uint16Array | Uint8Array;
  /** EPSG code of the projected CRS (e.g. 32633 for UTM zone 33N). */
  epsg: number;
  /** X of the top-left corner of the top-left pixel, in CRS units. */
  originX: number;
  /** Y of the top-left corner of the top-left pixel, in CRS units. */
  originY: number;
  /** Pixel size in CRS units (square pixels). */
  resolution: number;
  /** Sample value meaning "no data", written to the GDAL_NODATA tag; also pads partial edge tiles. */
  nodata?: number;
}

/** How the file is tiled and compressed. */
export interface CogOptions {
  /** Tile width and height in pixels, a multiple of 16 (default 256). */
  tileSize?: number;
  /** Whether to add one overview level at half resolution (default false). */
  overviews?: boolean;
  /** How overview pixels are computed: mean of valid pixels, or the top-left pixel (for classes). Default 'average'. */
  resampling?: 'average' | 'nearest';
  /** TIFF predictor: 1 none, 2 horizontal differencing (default 2). */
  predictor?: 1 | 2;
  /** zlib compression level 1–9 (default 6). */
  level?: number;
}

interface Level {
  width: number;
  height: number;
  data: Uint16Array | Uint8Array;
}

function validate(raster: CogRaster, tileSize: number, level: number): void {
  const { width, height, data, epsg, resolution, nodata } = raster;
  if (!Number.isInteger(width) || width < 1)
    throw new InputError(`COG width must be a positive integer, got ${width}`);
  if (!Number.isInteger(height) || height < 1)
    throw new InputError(`COG height must be a positive integer, got ${height}`);
  if (data.length !== width * height)
    throw new InputError(
      `COG data has ${data.length} samples, expected ${width}×${height} = ${width * height}`,
    );
  if (!Number.isInteger(epsg) || epsg < 1024 || epsg > 32767)
    throw new InputError(`COG EPSG code must be an integer in 1024–32767, got ${epsg}`);
  if (!(resolution > 0) || !Number.isFinite(resolution))
    throw new InputError(`COG resolution must be a positive number, got ${resolution}`);
  if (!Number.isFinite(raster.originX) || !Number.isFinite(raster.originY))
    throw new InputError(`COG origin must be finite, got (${raster.originX}, ${raster.originY})`);
  const max = data instanceof Uint16Array ? 0xffff : 0xff;
  if (nodata !== undefined && (!Number.isInteger(nodata) || nodata < 0 || nodata > max))
    throw new InputError(`COG nodata must be an integer in 0–${max} for this sample type, got ${nodata}`);
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize % 16 !== 0)
    throw new InputError(`COG tile size must be a positive multiple of 16, got ${tileSize}`);
  if (!Number.isInteger(level) || level < 1 || level > 9)
    throw new InputError(`COG deflate level must be an integer in 1–9, got ${level}`);
}

/** Half-resolution copy: mean of the valid pixels of each 2×2 block (rounded), or its top-left pixel. */
function downsample(src: Level, nodata: number | undefined, resampling: 'average' | 'nearest'): Level {
  const width = Math.ceil(src.width / 2);
  const height = Math.ceil(src.height / 2);
  const data =
    src.data instanceof Uint16Array ? new Uint16Array(width * height) : new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (resampling === 'nearest') {
        data[y * width + x] = src.data[2 * y * src.width + 2 * x]!;
        continue;
      }
      let sum = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        const sy = 2 * y + dy;
        if (sy >= src.height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const sx = 2 * x + dx;
          if (sx >= src.width) continue;
          const v = src.data[sy * src.width + sx]!;
          if (v === nodata) continue;
          sum += v;
          n++;
        }
      }
      data[y * width + x] = n === 0 ? (nodata ?? 0) : Math.round(sum / n);
    }
  }
  return { width, height, data };
}

/** Little-endian bytes of a tile's samples (TIFF byte order "II"). */
function littleEndianBytes(samples: Uint16Array | Uint8Array): Uint8Array {
  if (samples instanceof Uint8Array) return samples;
  if (endianness() === 'LE') return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  samples.forEach((v, i) => view.setUint16(i * 2, v, true));
  return out;
}

/** Cuts a level into padded tiles, applies the predictor, and deflates each tile. */
async function encodeTiles(
  lvl: Level,
  tileSize: number,
  pad: number,
  predictor: 1 | 2,
  level: number,
): Promise<Uint8Array[]> {
  const across = Math.ceil(lvl.width / tileSize);
  const down = Math.ceil(lvl.height / tileSize);
  const jobs: Promise<Uint8Array>[] = [];
  for (let ty = 0; ty < down; ty++) {
    for (let tx = 0; tx < across; tx++) {
      const tile =
        lvl.data instanceof Uint16Array
          ? new Uint16Array(tileSize * tileSize)
          : new Uint8Array(tileSize * tileSize);
      tile.fill(pad);
      const x0 = tx * tileSize;
      const w = Math.min(tileSize, lvl.width - x0);
      for (let r = 0; r < tileSize; r++) {
        const y = ty * tileSize + r;
        if (y >= lvl.height) break;
        tile.set(lvl.data.subarray(y * lvl.width + x0, y * lvl.width + x0 + w), r * tileSize);
      }
      if (predictor === 2) {
        for (let r = 0; r < tileSize; r++) {
          const row = r * tileSize;
          for (let c = tileSize - 1; c > 0; c--) tile[row + c] = tile[row + c]! - tile[row + c - 1]!;
        }
      }
      jobs.push(deflateAsync(littleEndianBytes(tile), { level }).then((b) => new Uint8Array(b)));
    }
  }
  return Promise.all(jobs);
}

function directory(
  raster: CogRaster,
  lvl: Level,
  tiles: Uint8Array[],
  offsets: number[],
  tileSize: number,
  predictor: 1 | 2,
  overview: boolean,
): IfdEntry[] {
  const bits = raster.data instanceof Uint16Array ? 16 : 8;
  const entries: IfdEntry[] = [
    { tag: Tag.NewSubfileType, type: FieldType.LONG, values: [overview ? 1 : 0] },
    { tag: Tag.ImageWidth, type: FieldType.LONG, values: [lvl.width] },
    { tag: Tag.ImageLength, type: FieldType.LONG, values: [lvl.height] },
    { tag: Tag.BitsPerSample, type: FieldType.SHORT, values: [bits] },
    { tag: Tag.Compression, type: FieldType.SHORT, values: [8] },
    { tag: Tag.PhotometricInterpretation, type: FieldType.SHORT, values: [1] },
    { tag: Tag.SamplesPerPixel, type: FieldType.SHORT, values: [1] },
    { tag: Tag.PlanarConfiguration, type: FieldType.SHORT, values: [1] },
    { tag: Tag.Predictor, type: FieldType.SHORT, values: [predictor] },
    { tag: Tag.TileWidth, type: FieldType.SHORT, values: [tileSize] },
    { tag: Tag.TileLength, type: FieldType.SHORT, values: [tileSize] },
    { tag: Tag.TileOffsets, type: FieldType.LONG, values: offsets },
    { tag: Tag.TileByteCounts, type: FieldType.LONG, values: tiles.map((t) => t.length) },
    { tag: Tag.SampleFormat, type: FieldType.SHORT, values: [1] },
  ];
  if (raster.nodata !== undefined) {
    entries.push({ tag: Tag.GdalNoData, type: FieldType.ASCII, values: String(raster.nodata) });
  }
  if (!overview) {
    const res = raster.resolution;
    entries.push(
      { tag: Tag.ModelPixelScale, type: FieldType.DOUBLE, values: [res, res, 0] },
      {
        tag: Tag.ModelTiepoint,
        type: FieldType.DOUBLE,
        values: [0, 0, 0, raster.originX, raster.originY, 0],
      },
      {
        tag: Tag.GeoKeyDirectory,
        type: FieldType.SHORT,
        // Header (version 1.1.0, 3 keys); GTModelType = projected, GTRasterType = PixelIsArea, ProjectedCSType = EPSG.
        values: [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, raster.epsg],
      },
    );
  }
  return entries;
}

/** Encodes a raster as a Cloud-Optimized GeoTIFF and returns the file's bytes. */
export async function encodeCog(raster: CogRaster, options: CogOptions = {}): Promise<Uint8Array> {
  const tileSize = options.tileSize ?? 256;
  const predictor = options.predictor ?? 2;
  const level = options.level ?? 6;
  validate(raster, tileSize, level);
  const pad = raster.nodata ?? 0;
  const levels: Level[] = [{ width: raster.width, height: raster.height, data: raster.data }];
  if (options.overviews) levels.push(downsample(levels[0]!, raster.nodata, options.resampling ?? 'average'));
  const tiles = await Promise.all(levels.map((l) => encodeTiles(l, tileSize, pad, predictor, level)));

  // Directory sizes do not depend on offset values, so lay out with zero offsets first.
  const sizes = levels.map((l, i) =>
    ifdByteLength(
      directory(
        raster,
        l,
        tiles[i]!,
        tiles[i]!.map(() => 0),
        tileSize,
        predictor,
        i > 0,
      ),
    ),
  );
  const ifdOffsets: number[] = [];
  let at = 8;
  for (const s of sizes) {
    ifdOffsets.push(at);
    at += s;
  }
  // Tile data: smallest overview first, full resolution last (as GDAL's COG driver does).
  const tileOffsets: number[][] = levels.map(() => []);
  for (let i = levels.length - 1; i >= 0; i--) {
    for (const t of tiles[i]!) {
      tileOffsets[i]!.push(at);
      at += t.length;
    }
  }
  if (at > 0xffffffff) throw new InputError(`COG of ${at} bytes exceeds the 4 GiB classic TIFF limit`);

  const out = new Uint8Array(at);
  const view = new DataView(out.buffer);
  view.setUint16(0, 0x4949, true); // "II": little-endian
  view.setUint16(2, 42, true);
  view.setUint32(4, 8, true);
  levels.forEach((l, i) => {
    const entries = directory(raster, l, tiles[i]!, tileOffsets[i]!, tileSize, predictor, i > 0);
    out.set(encodeIfd(entries, ifdOffsets[i]!, ifdOffsets[i + 1] ?? 0), ifdOffsets[i]!);
    tiles[i]!.forEach((t, k) => out.set(t, tileOffsets[i]![k]!));
  });
  return out;
}

/** Writes a raster to `path` as a Cloud-Optimized GeoTIFF (see `encodeCog`). */
export async function writeCog(path: string, raster: CogRaster, options: CogOptions = {}): Promise<void> {
  await writeFile(path, await encodeCog(raster, options));
}
