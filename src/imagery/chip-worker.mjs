// Worker of the chip pool (chip-pool.ts): reads one batch of cells with readChips on this thread (its
// own files and caches, decoding inline) and hands the chips back, their pixel buffers transferred.
// Plain JavaScript that loads the TypeScript modules through tsx's scoped import, so that it starts
// under any loader (tsx, vitest, plain node).
import { parentPort } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const chips = tsImport('./chips.ts', import.meta.url);
/** Abort controllers of the batches being read, by job id. */
const running = new Map();

parentPort.on('message', async (m) => {
  if (m.cancel !== undefined) {
    running.get(m.cancel)?.abort();
    return;
  }
  const { id, acquisition, cells, grid, options } = m;
  const ctrl = new AbortController();
  running.set(id, ctrl);
  try {
    const { readChips } = await chips;
    const out = await readChips(acquisition, cells, grid, {
      ...options,
      workers: 0,
      decodeWorkers: 0,
      signal: ctrl.signal,
    });
    const transfer = new Set();
    for (const chip of out) {
      for (const plane of chip.image.data) transfer.add(plane.buffer);
      transfer.add(chip.image.mask.buffer);
      transfer.add(chip.rgb.data.buffer);
    }
    parentPort.postMessage({ id, chips: out }, [...transfer]);
  } catch (err) {
    parentPort.postMessage({
      id,
      error: {
        name: err instanceof Error || err instanceof DOMException ? err.name : 'Error',
        message: err instanceof Error || err instanceof DOMException ? err.message : String(err),
        retryable: typeof err?.retryable === 'boolean' ? err.retryable : undefined,
      },
    });
  } finally {
    running.delete(id);
  }
});
