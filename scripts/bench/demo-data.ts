// npx tsx scripts/bench/demo-data.ts — the demo series generator's cost, and the COG writer against geotiff's own
// writer (uncompressed strips, the baseline) on the same 512 × 512 uint16 band, in one run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { encodeCog, generateDemoSeries } from '../../src/demo-data/index.ts';
import { createRng } from '../../src/demo-data/rng.ts';

const rounds = 5;
const size = 512;
const rng = createRng(1);
const data = new Uint16Array(size * size);
for (let i = 0; i < data.length; i++)
  data[i] = Math.round(2000 + 300 * Math.sin(i / 700) + 40 * rng.normal());

function best(samples: number[]): number {
  return Math.min(...samples);
}

const baseline: number[] = [];
const cog: number[] = [];
let baselineBytes = 0;
let cogBytes = 0;
for (let r = 0; r < rounds; r++) {
  let t = performance.now();
  baselineBytes = writeArrayBuffer(data, {
    width: size,
    height: size,
    ModelPixelScale: [10, 10, 0],
    ModelTiepoint: [0, 0, 0, 471_040, 5_800_960, 0],
    ProjectedCSTypeGeoKey: 32633,
    GTModelTypeGeoKey: 1,
    GTRasterTypeGeoKey: 1,
  } as Parameters<typeof writeArrayBuffer>[1]).byteLength;
  baseline.push(performance.now() - t);
  t = performance.now();
  cogBytes = (
    await encodeCog(
      {
        width: size,
        height: size,
        data,
        epsg: 32633,
        originX: 471_040,
        originY: 5_800_960,
        resolution: 10,
        nodata: 0,
      },
      { overviews: true },
    )
  ).length;
  cog.push(performance.now() - t);
}
console.log(`bench:demo-data: one ${size}×${size} uint16 band, best of ${rounds}`);
console.log(
  `  geotiff writeArrayBuffer (strips, uncompressed): ${best(baseline).toFixed(1)} ms, ${baselineBytes} bytes`,
);
console.log(
  `  encodeCog (256-px tiles, deflate + predictor 2, 1 overview): ${best(cog).toFixed(1)} ms, ${cogBytes} bytes`,
);
console.log(
  `  time ratio cog / baseline: ${(best(cog) / best(baseline)).toFixed(2)}; size ratio: ${(cogBytes / baselineBytes).toFixed(2)}`,
);

const dir = mkdtempSync(join(tmpdir(), 'dw-bench-demo-'));
try {
  const t = performance.now();
  const manifest = await generateDemoSeries(dir);
  console.log(
    `  generateDemoSeries: ${manifest.items.length} acquisitions × 7 COGs of ${manifest.width} px in ${((performance.now() - t) / 1000).toFixed(2)} s`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
