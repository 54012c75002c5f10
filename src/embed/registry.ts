/**
 * Embedders by name: `spectral` (the weight-free default) or the path of a Git-RSCLIP model folder.
 * ONNX sessions are opened on first use and shared by every embedder of the same file and provider.
 */
import { stat } from 'node:fs/promises';
import { ConfigError } from '../errors.ts';
import type { Embedder } from './embedder.ts';
import type { GitRsclipOptions } from './git-rsclip.ts';

export { acquireSession, openSessionCount, releaseSession } from './onnx-sessions.ts';

/** Options of `openEmbedder`; model-folder options are ignored by `spectral`. */
export type OpenEmbedderOptions = GitRsclipOptions;

/** `spectral` → the spectral default; otherwise a model folder opened with `GitRsclipEmbedder`. */
export async function openEmbedder(spec: string, options: OpenEmbedderOptions = {}): Promise<Embedder> {
  if (spec === 'spectral') {
    const { SpectralEmbedder } = await import('./spectral.ts');
    return new SpectralEmbedder();
  }
  const info = await stat(spec).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ConfigError(`embedder "${spec}" is neither "spectral" nor a model folder`);
  }
  const { GitRsclipEmbedder } = await import('./git-rsclip.ts');
  return GitRsclipEmbedder.open(spec, options);
}
