/**
 * Windowed reads of one GeoTIFF image (full resolution or an overview) from its tiles or strips, with
 * the decoded tiles kept in a bounded LRU so that neighbouring windows (the chips of one tile) decode
 * each tile once, tiles fetched in one range request per run of adjacent tiles, decoding on a
 * TileDecoder (worker threads), and each window assembled by row copies.
 *
 * Hand-written beside geotiff.js's `readRasters`, which this replaces for the layouts it covers (little
 * endian, 8/16/32/64-bit samples of one type, the decoders that need no extra tags): readRasters
 * re-fetches a tile's bytes before looking at its (unbounded) tile cache and copies every sample
 * through a DataView call. Other layouts return null and the caller uses readRasters; both give the
 * same numbers (the tests compare them).
 */
import type { GeoTIFFImage } from 'geotiff';
import type { DecoderParameters, TileDecoder } from './decode-pool.ts';

/** A typed array of one sample type. */
export type SampleArray =
  Uint8Array | Uint16Array | Uint32Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

type SampleArrayOf = (buffer: ArrayBuffer | number) => SampleArray;

/** Compressions whose geotiff.js decoder needs only the default parameters. */
const PLAIN_COMPRESSIONS = new Set([1, 5, 8, 32773, 32946, 50000]);

/** Tiles fetched in one request when the gap between them is at most this many bytes. */
const MERGE_GAP = 16_384;

interface Layout {
  tileWidth: number;
  tileHeight: number;
  across: number;
  down: number;
  samplesPerPixel: number;
  planar: number;
  bytesPerSample: number;
  compression: number;
  parameters: DecoderParameters;
  arrayOf: SampleArrayOf;
  nodata: number;
}

/** Where tile bytes come from (a BlockCache's `read`). */
export interface TileBytes {
  read(offset: number, length: number, options?: { signal?: AbortSignal }): Promise<ArrayBuffer>;
}

/** Where one tile's bytes lie. */
interface TileRef {
  index: number;
  offset: number;
  length: number;
}

/**
 * A window of samples: sample (x, y) of the window, counted from its top-left pixel, is
 * `planes[k][offset + y * stride + x]`. A window that lies within one tile is the decoded tile itself
 * (its row length and the window's start in it, no copy); others are assembled (stride the window's
 * width, offset 0). The planes are shared with the tile cache: read them, never write.
 */
export interface SampleWindow {
  planes: SampleArray[];
  stride: number;
  offset: number;
}

/** Reads windows of one image; `read` returns null for layouts it does not handle. */
export class TileWindowReader {
  private layout: Promise<Layout | null> | null = null;
  private readonly tiles = new Map<number, Promise<SampleArray>>();
  /** Bytes of tile data fetched so far. */
  bytesFetched = 0;

  constructor(
    private readonly image: GeoTIFFImage,
    private readonly source: TileBytes,
    private readonly decoder: TileDecoder,
    /** Decoded tiles kept (default: two rows of tiles and four more, so a row of chips straddling tile rows decodes each tile once). */
    private readonly maxTiles?: number,
  ) {}

  /** The window [x0, y0, x1, y1) of the given samples, one plane per sample, or null when unsupported. */
  async read(
    window: [number, number, number, number],
    samples: number[],
    signal?: AbortSignal,
  ): Promise<SampleWindow | null> {
    this.layout ??= this.describe();
    const layout = await this.layout;
    if (!layout) return null;
    const [x0, y0, x1, y1] = window;
    const ww = x1 - x0;
    const wh = y1 - y0;
    const { tileWidth: tw, tileHeight: th, samplesPerPixel: spp } = layout;
    const tx0 = Math.max(0, Math.floor(x0 / tw));
    const tx1 = Math.min(layout.across, Math.ceil(x1 / tw));
    const ty0 = Math.max(0, Math.floor(y0 / th));
    const ty1 = Math.min(layout.down, Math.ceil(y1 / th));
    const planes = layout.planar === 2 ? samples : [0];
    const wanted: number[] = [];
    for (const plane of planes)
      for (let ty = ty0; ty < ty1; ty++)
        for (let tx = tx0; tx < tx1; tx++)
          wanted.push(plane * layout.across * layout.down + ty * layout.across + tx);
    const decoded = await this.tilesOf(layout, wanted, signal);
    // A window inside one tile of one-sample planes is read from the decoded tile in place.
    const oneSample = layout.planar === 2 || spp === 1;
    if (
      oneSample &&
      tx1 - tx0 === 1 &&
      ty1 - ty0 === 1 &&
      x0 >= tx0 * tw &&
      y0 >= ty0 * th &&
      x1 <= Math.min((tx0 + 1) * tw, this.image.getWidth()) &&
      y1 <= Math.min(ty0 * th + this.image.getBlockHeight(ty0), this.image.getHeight())
    ) {
      const rows = this.image.getBlockHeight(ty0);
      const tiles = layout.planar === 2 ? decoded : samples.map(() => decoded[0]!);
      for (const tile of tiles)
        if (tile.length < rows * tw)
          throw new Error(
            `tile ${tx0}, ${ty0} decodes to ${tile.length} samples, fewer than its ${tw}×${rows} pixels`,
          );
      return { planes: tiles, stride: tw, offset: (y0 - ty0 * th) * tw + (x0 - tx0 * tw) };
    }
    const out = samples.map(() => layout.arrayOf(ww * wh));
    let k = 0;
    for (let p = 0; p < planes.length; p++) {
      for (let ty = ty0; ty < ty1; ty++) {
        for (let tx = tx0; tx < tx1; tx++) {
          const tile = decoded[k++]!;
          const rows = this.image.getBlockHeight(ty);
          if (tile.length < rows * tw * (layout.planar === 2 ? 1 : spp))
            throw new Error(
              `tile ${tx}, ${ty} decodes to ${tile.length} samples, fewer than its ${tw}×${rows} pixels`,
            );
          const cx0 = Math.max(x0, tx * tw);
          const cx1 = Math.min(x1, (tx + 1) * tw, this.image.getWidth());
          const cy0 = Math.max(y0, ty * th);
          const cy1 = Math.min(y1, ty * th + rows, this.image.getHeight());
          if (layout.planar === 2) {
            copyRows(
              tile,
              out[p]!,
              tw,
              cx0 - tx * tw,
              cx1 - cx0,
              cy0 - ty * th,
              cy1 - cy0,
              ww,
              cx0 - x0,
              cy0 - y0,
            );
            continue;
          }
          samples.forEach((s, i) => {
            if (spp === 1)
              copyRows(
                tile,
                out[i]!,
                tw,
                cx0 - tx * tw,
                cx1 - cx0,
                cy0 - ty * th,
                cy1 - cy0,
                ww,
                cx0 - x0,
                cy0 - y0,
              );
            else
              copyStrided(
                tile,
                out[i]!,
                tw,
                spp,
                s,
                cx0 - tx * tw,
                cx1 - cx0,
                cy0 - ty * th,
                cy1 - cy0,
                ww,
                cx0 - x0,
                cy0 - y0,
              );
          });
        }
      }
    }
    return { planes: out, stride: ww, offset: 0 };
  }

  /** The decoded tiles, from the cache or fetched (adjacent ones in one request) and decoded. */
  private async tilesOf(layout: Layout, indices: number[], signal?: AbortSignal): Promise<SampleArray[]> {
    const missing = [...new Set(indices.filter((i) => !this.tiles.has(i)))];
    if (missing.length > 0) {
      // Registered before any await, so concurrent windows share the fetch and the decoding.
      const started = Promise.all(missing.map((i) => this.locate(i))).then((refs) =>
        this.fetchRuns(layout, refs, signal),
      );
      for (const i of missing) {
        const p = started.then((m) => m.get(i)!);
        p.catch(() => {
          if (this.tiles.get(i) === p) this.tiles.delete(i);
        });
        this.tiles.set(i, p);
      }
    }
    const pending: Array<Promise<SampleArray>> = [];
    for (const i of indices) {
      const p = this.tiles.get(i)!;
      // Refresh recency.
      this.tiles.delete(i);
      this.tiles.set(i, p);
      pending.push(p);
    }
    this.evict(layout);
    return Promise.all(pending);
  }

  /** Fetches runs of adjacent tiles in one request each and decodes every tile. */
  private fetchRuns(
    layout: Layout,
    refs: TileRef[],
    signal?: AbortSignal,
  ): Map<number, Promise<SampleArray>> {
    const out = new Map<number, Promise<SampleArray>>();
    const stored = refs.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
    for (const r of refs) {
      if (r.length === 0) {
        const n = layout.tileWidth * layout.tileHeight * (layout.planar === 2 ? 1 : layout.samplesPerPixel);
        out.set(r.index, Promise.resolve(layout.arrayOf(n).fill(layout.nodata)));
      }
    }
    let g = 0;
    while (g < stored.length) {
      let h = g;
      while (h + 1 < stored.length) {
        const end = stored[h]!.offset + stored[h]!.length;
        const next = stored[h + 1]!.offset;
        if (next < end || next - end > MERGE_GAP) break;
        h++;
      }
      const run = stored.slice(g, h + 1);
      const first = run[0]!.offset;
      const last = run[run.length - 1]!;
      const bytes = this.source.read(first, last.offset + last.length - first, { signal });
      for (const ref of run) {
        out.set(
          ref.index,
          bytes.then(async (buf) => {
            const start = ref.offset - first;
            if (buf.byteLength < start + ref.length)
              throw new Error(
                `tile ${ref.index} is truncated (the file ends before byte ${ref.offset + ref.length})`,
              );
            this.bytesFetched += ref.length;
            const decoded = await this.decoder.decode(
              layout.compression,
              layout.parameters,
              buf.slice(start, start + ref.length),
            );
            return layout.arrayOf(decoded);
          }),
        );
      }
      g = h + 1;
    }
    return out;
  }

  private async locate(index: number): Promise<TileRef> {
    const fd = this.image.fileDirectory;
    const tiled = this.image.isTiled;
    const offset = Number(await fd.loadValueIndexed(tiled ? 'TileOffsets' : 'StripOffsets', index));
    const length = Number(await fd.loadValueIndexed(tiled ? 'TileByteCounts' : 'StripByteCounts', index));
    return { index, offset, length };
  }

  private evict(layout: Layout): void {
    const max = this.maxTiles ?? 2 * layout.across * (layout.planar === 2 ? layout.samplesPerPixel : 1) + 4;
    while (this.tiles.size > max) this.tiles.delete(this.tiles.keys().next().value as number);
  }

  /** The image's layout when this reader handles it, else null. */
  private async describe(): Promise<Layout | null> {
    const image = this.image;
    const fd = image.fileDirectory;
    if (!image.littleEndian) return null;
    const compression = Number(fd.getValue('Compression') ?? 1);
    if (!PLAIN_COMPRESSIONS.has(compression)) return null;
    const spp = image.getSamplesPerPixel();
    const bits: number[] = [];
    const formats: number[] = [];
    for (let s = 0; s < spp; s++) {
      bits.push(Number(image.getBitsPerSample(s)));
      formats.push(Number(image.getSampleFormat(s) ?? 1));
    }
    if (bits.some((b) => b !== bits[0]) || formats.some((f) => f !== formats[0])) return null;
    const arrayOf = arrayFor(formats[0]!, bits[0]!);
    if (!arrayOf) return null;
    const tileWidth = image.getTileWidth();
    const tileHeight = image.getTileHeight();
    const planar = image.planarConfiguration;
    const predictor = Number((await fd.loadValue('Predictor')) ?? 1) || 1;
    return {
      tileWidth,
      tileHeight,
      across: Math.ceil(image.getWidth() / tileWidth),
      down: Math.ceil(image.getHeight() / tileHeight),
      samplesPerPixel: spp,
      planar,
      bytesPerSample: bits[0]! / 8,
      compression,
      parameters: { tileWidth, tileHeight, planarConfiguration: planar, bitsPerSample: bits, predictor },
      arrayOf,
      // As geotiff.js fills tiles stored with no bytes.
      nodata: image.getGDALNoData() || 0,
    };
  }
}

function arrayFor(format: number, bits: number): SampleArrayOf | null {
  const make =
    <T extends SampleArray>(C: { new (b: ArrayBuffer): T; new (n: number): T }) =>
    (b: ArrayBuffer | number): T =>
      typeof b === 'number' ? new C(b) : new C(b);
  if (format === 1)
    return bits === 8
      ? make(Uint8Array)
      : bits === 16
        ? make(Uint16Array)
        : bits === 32
          ? make(Uint32Array)
          : null;
  if (format === 2)
    return bits === 8
      ? make(Int8Array)
      : bits === 16
        ? make(Int16Array)
        : bits === 32
          ? make(Int32Array)
          : null;
  if (format === 3) return bits === 32 ? make(Float32Array) : bits === 64 ? make(Float64Array) : null;
  return null;
}

/** Copies a w × h block of a single-sample tile (row length tw) at (sx, sy) into out (row length ow) at (ox, oy). */
function copyRows(
  tile: SampleArray,
  out: SampleArray,
  tw: number,
  sx: number,
  w: number,
  sy: number,
  h: number,
  ow: number,
  ox: number,
  oy: number,
): void {
  for (let r = 0; r < h; r++) {
    const from = (sy + r) * tw + sx;
    out.set(tile.subarray(from, from + w) as never, (oy + r) * ow + ox);
  }
}

/** As copyRows for sample `s` of pixel-interleaved tiles with spp samples per pixel. */
function copyStrided(
  tile: SampleArray,
  out: SampleArray,
  tw: number,
  spp: number,
  s: number,
  sx: number,
  w: number,
  sy: number,
  h: number,
  ow: number,
  ox: number,
  oy: number,
): void {
  for (let r = 0; r < h; r++) {
    let from = ((sy + r) * tw + sx) * spp + s;
    let to = (oy + r) * ow + ox;
    for (let c = 0; c < w; c++, from += spp) out[to++] = tile[from]!;
  }
}
