/** Writing to a stream with its backpressure respected: each write waits for the stream to drain. */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes a chunk, waiting for 'drain' when the stream's buffer is full. */
export async function write(out: Writable, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
