import sharp from 'sharp';
import { spectralStats } from '../detect/index.ts';
import type { Embedder } from '../embed/embedder.ts';
import type { Chip } from '../imagery/chip.ts';
import {
  readChips as defaultReadChips,
  type Acquisition,
  type ChipOptions,
  type GridCell,
  type GridSpec,
} from '../imagery/index.ts';
import { upsertChips } from '../store/chips.ts';
import type { Db } from '../store/db.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { insertObservations } from '../store/observations.ts';
import { insertPromptScores } from '../store/prompt-scores.ts';
import { insertEmbeddings, registerModel } from '../store/vectors.ts';
import { getAcquisition } from './acquisitions.ts';
import { areaCells, getArea } from './areas.ts';
import { lookSensor, sensorChips } from './look-sensor.ts';
import { DEFAULT_PROMPTS } from '../domain.ts';

/** Prompts every acquisition is scored against (the detection's prompt signal reads these). */
export { DEFAULT_PROMPTS } from '../domain.ts';

/** What embedding one acquisition needs. */
export interface EmbedDeps {
  db: Db;
  embedder: Embedder;
  /** Where chip RGB PNGs are stored, by hash (observations reference them by rgb_sha256). */
  evidence: EvidenceStore;
  /** Chip reader (injectable so tests can simulate faulty sources). */
  readChips?: (
    acquisition: Acquisition,
    cells: GridCell[],
    grid: GridSpec,
    options?: ChipOptions,
  ) => Promise<Chip[]>;
  /** Minimum valid fraction for a chip to be usable (default 0.5). */
  minValidFraction?: number;
}

/** One embedding call, by reference. */
export interface EmbedChipsInput {
  areaId: string;
  acquisitionId: number;
  /** Chips per batch; each batch is read, embedded and stored in one transaction. */
  batchSize: number;
  /** First batch to process (resume point after a crash). */
  startBatch?: number;
  /** Prompts to score (default DEFAULT_PROMPTS). */
  prompts?: readonly string[];
}

/** What embedding one acquisition did. */
export interface EmbedChipsResult {
  chips: number;
  usable: number;
  /** Rows inserted into `embeddings` by this call (0 when it all existed already). */
  inserted: number;
  /** Batches processed by this call. */
  batches: number;
  /** The batch this call started from (above 0 when it resumed an interrupted attempt). */
  startBatch: number;
}

/**
 * Reads the acquisition's chips over the area's grid in batches, embeds the usable ones, scores the
 * prompts and stores chips, observations (valid fraction, spectral stats, RGB evidence), embeddings
 * and prompt scores (none for a radar look: the embedders see optical bands or true colour, and radar
 * looks are scored by the radar pair detector, in assessment and in monitoring: monitoring-radar-look.ts). Each batch is one transaction and every insert is `ON CONFLICT DO NOTHING`,
 * so a retried or resumed call never duplicates rows.
 */
export async function embedAcquisitionChips(
  deps: EmbedDeps,
  input: EmbedChipsInput,
  hooks: { signal?: AbortSignal; onBatch?: (nextBatch: number, totalBatches: number) => void } = {},
): Promise<EmbedChipsResult> {
  const { db, embedder } = deps;
  const area = await getArea(db, input.areaId);
  const acquisition = await getAcquisition(db, input.acquisitionId);
  const radar = lookSensor(acquisition) === 'radar';
  const cells = areaCells(area);
  const batchSize = Math.max(1, input.batchSize);
  const totalBatches = Math.ceil(cells.length / batchSize);
  const prompts = input.prompts ?? DEFAULT_PROMPTS;
  await registerModel(db, { id: embedder.id, dimension: embedder.dimension });
  const textVectors = await embedder.embedTexts(prompts);
  const read = deps.readChips ?? defaultReadChips;
  const result: EmbedChipsResult = {
    chips: 0,
    usable: 0,
    inserted: 0,
    batches: 0,
    startBatch: input.startBatch ?? 0,
  };
  for (let b = input.startBatch ?? 0; b < totalBatches; b++) {
    hooks.signal?.throwIfAborted();
    const batchCells = cells.slice(b * batchSize, (b + 1) * batchSize);
    // Radar chips become dB backscatter; optical chips that hold radar are refused (look-sensor.ts).
    const chips = sensorChips(
      acquisition,
      await read(acquisition, batchCells, area.grid, {
        signal: hooks.signal,
        minValidFraction: deps.minValidFraction ?? 0.5,
      }),
    );
    const usable = chips.filter((c) => c.usable);
    // The embedders see optical bands or true colour; radar looks are stored and scored by the radar pair detector.
    const embedded = radar ? [] : usable;
    const vectors = embedded.length
      ? await embedder.embedImages(
          embedded.map((c) => ({ id: c.key, image: c.image, rgb: c.rgb })),
          { signal: hooks.signal },
        )
      : [];
    const scores = vectors.length ? embedder.score(vectors, textVectors) : [];
    const rgbFiles = await Promise.all(
      chips.map(async (c) => {
        const png = await sharp(Buffer.from(c.rgb.data), {
          raw: { width: c.rgb.width, height: c.rgb.height, channels: 3 },
        })
          .png()
          .toBuffer();
        return deps.evidence.put(png, 'image/png');
      }),
    );
    const stats = chips.map((c) => (c.validFraction > 0 ? spectralStats(c.image) : {}));
    result.inserted += await db.transaction(async (tx) => {
      const chipIds = await upsertChips(tx, area.id, batchCells);
      await insertObservations(
        tx,
        rgbFiles.map((file, i) => {
          const chip = chips[i]!;
          return {
            chipId: chipIds.get(chip.key)!,
            acquisitionId: input.acquisitionId,
            validFraction: chip.validFraction,
            usable: chip.usable,
            stats: stats[i]!,
            rgbSha256: file.sha256,
          };
        }),
      );
      const inserted = await insertEmbeddings(
        tx,
        embedder.id,
        embedder.dimension,
        embedded.map((chip, i) => ({
          chipId: chipIds.get(chip.key)!,
          acquisitionId: input.acquisitionId,
          vector: vectors[i]!,
        })),
      );
      await insertPromptScores(
        tx,
        embedded.flatMap((chip, i) =>
          prompts.map((prompt, p) => ({
            chipId: chipIds.get(chip.key)!,
            acquisitionId: input.acquisitionId,
            modelId: embedder.id,
            prompt,
            score: scores[i]![p]!,
          })),
        ),
      );
      return inserted;
    });
    result.chips += chips.length;
    result.usable += usable.length;
    result.batches += 1;
    hooks.onBatch?.(b + 1, totalBatches);
  }
  return result;
}
