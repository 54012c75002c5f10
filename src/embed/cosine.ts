/** Moved to src/spectral/cosine.ts (spectral primitives shared by embed and detect); this path re-exports it for now. */
export * from '../spectral/cosine.ts';
