import type { ImageValue } from '../imagery/image.ts';

/** The size×size window of `image` whose top-left pixel is (x, y); the window must lie inside the image. */
export function cropImage(image: ImageValue, x: number, y: number, size: number): ImageValue {
  const w = image.width;
  const data = image.data.map((p) => {
    const out = new Float32Array(size * size);
    for (let r = 0; r < size; r++) out.set(p.subarray((y + r) * w + x, (y + r) * w + x + size), r * size);
    return out;
  });
  const mask = new Uint8Array(size * size);
  for (let r = 0; r < size; r++)
    mask.set(image.mask.subarray((y + r) * w + x, (y + r) * w + x + size), r * size);
  let bounds = image.bounds;
  if (bounds) {
    const [minx, miny, maxx, maxy] = bounds;
    const dx = (maxx - minx) / image.width;
    const dy = (maxy - miny) / image.height;
    bounds = [minx + x * dx, maxy - (y + size) * dy, minx + (x + size) * dx, maxy - y * dy];
  }
  return {
    width: size,
    height: size,
    bands: image.bands,
    data,
    mask,
    crs: image.crs,
    bounds,
    scale: image.scale,
  };
}
