/**
 * Writes the demo series (COGs, static STAC catalog, area, ground truth, manifest) into a folder.
 * Usage: npx tsx scripts/generate-demo-data.ts <out-dir> [--seed N] [--size PX]
 */
import { parseArgs } from 'node:util';
import { generateDemoSeries } from '../src/demo-data/index.ts';
import { DriftwatchError } from '../src/errors.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { seed: { type: 'string' }, size: { type: 'string' } },
});
const outDir = positionals[0];
if (!outDir || positionals.length > 1) {
  console.error('usage: npx tsx scripts/generate-demo-data.ts <out-dir> [--seed N] [--size PX]');
  process.exit(2);
}
const started = performance.now();
const manifest = await generateDemoSeries(outDir, {
  seed: values.seed === undefined ? undefined : Number(values.seed),
  size: values.size === undefined ? undefined : Number(values.size),
}).catch((error: unknown) => {
  if (!(error instanceof DriftwatchError)) throw error;
  console.error(`${error.name}: ${error.message}`);
  process.exit(1);
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${manifest.items.length} acquisitions of ${manifest.width}×${manifest.height} px (EPSG:${manifest.epsg}) in ${outDir} (${seconds} s)`,
);
for (const e of manifest.events)
  console.log(`${e.kind} on ${e.date}: visible on ${e.acquisitionIds.join(', ')}`);
console.log(
  `cloudy: ${manifest.items
    .filter((i) => i.cloudy)
    .map((i) => i.id)
    .join(', ')}`,
);
