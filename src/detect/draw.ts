/**
 * Drawing on an RgbImage: filled and outlined rectangles, and a 5×7 pixel font (the HD44780 character
 * shapes) for the dates and legend values burned into evidence tiles. The font is written here rather
 * than rendered from a system font through SVG because evidence files are content-addressed: the same
 * alert must give the same bytes on every machine, whatever fonts it has installed. Covers digits,
 * letters (drawn lower-case), space and `- . : , / ( )`; any other character is drawn as a hollow box.
 */
import type { RgbImage } from '../imagery/image.ts';

/** Width of a glyph in font pixels. */
export const GLYPH_WIDTH = 5;
/** Height of a glyph in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character in font pixels (glyph plus one column of spacing). */
export const GLYPH_ADVANCE = 6;

const GLYPHS: Record<string, string> = {
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  ',': '00000 00000 00000 00000 01100 00100 01000',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  a: '00000 00000 01110 00001 01111 10001 01111',
  b: '10000 10000 10110 11001 10001 10001 11110',
  c: '00000 00000 01110 10000 10000 10001 01110',
  d: '00001 00001 01101 10011 10001 10001 01111',
  e: '00000 00000 01110 10001 11111 10000 01110',
  f: '00110 01001 01000 11100 01000 01000 01000',
  g: '00000 00000 01111 10001 01111 00001 01110',
  h: '10000 10000 10110 11001 10001 10001 10001',
  i: '00100 00000 01100 00100 00100 00100 01110',
  j: '00010 00000 00110 00010 00010 10010 01100',
  k: '10000 10000 10010 10100 11000 10100 10010',
  l: '01100 00100 00100 00100 00100 00100 01110',
  m: '00000 00000 11010 10101 10101 10001 10001',
  n: '00000 00000 10110 11001 10001 10001 10001',
  o: '00000 00000 01110 10001 10001 10001 01110',
  p: '00000 00000 11110 10001 11110 10000 10000',
  q: '00000 00000 01101 10011 01111 00001 00001',
  r: '00000 00000 10110 11001 10000 10000 10000',
  s: '00000 00000 01110 10000 01110 00001 11110',
  t: '01000 01000 11100 01000 01000 01001 00110',
  u: '00000 00000 10001 10001 10001 10011 01101',
  v: '00000 00000 10001 10001 10001 01010 00100',
  w: '00000 00000 10001 10001 10101 10101 01010',
  x: '00000 00000 10001 01010 00100 01010 10001',
  y: '00000 00000 10001 10001 01111 00001 01110',
  z: '00000 00000 11111 00010 00100 01000 11111',
};
const BOX = '11111 10001 10001 10001 10001 10001 11111';

/** Rows of a character's glyph, top first, each GLYPH_WIDTH characters of `0`/`1`. */
export function glyphRows(ch: string): string[] {
  return (GLYPHS[ch] ?? GLYPHS[ch.toLowerCase()] ?? BOX).split(' ');
}

/** Width in image pixels of `text` drawn at `scale` (no trailing spacing). */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * GLYPH_ADVANCE - 1) * scale;
}

/**
 * Draws `text` into `image` with its top-left corner at (x, y), each font pixel a `scale` × `scale`
 * square of `colour`; pixels falling outside the image are skipped.
 */
export function drawText(
  image: RgbImage,
  text: string,
  x: number,
  y: number,
  scale: number,
  colour: readonly [number, number, number],
): void {
  [...text].forEach((ch, i) => {
    const rows = glyphRows(ch);
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (rows[gy]![gx] !== '1') continue;
        fillRect(image, x + (i * GLYPH_ADVANCE + gx) * scale, y + gy * scale, scale, scale, colour);
      }
    }
  });
}

/** Fills a rectangle of `image` with `colour`, clipped to the image. */
export function fillRect(
  image: RgbImage,
  x: number,
  y: number,
  width: number,
  height: number,
  colour: readonly [number, number, number],
): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(image.width, x + width);
  const y1 = Math.min(image.height, y + height);
  for (let py = y0; py < y1; py++) {
    for (let px = x0; px < x1; px++) image.data.set(colour, (py * image.width + px) * 3);
  }
}

/** Outlines a rectangle of `image` with a stroke of `stroke` pixels drawn inside its edge. */
export function strokeRect(
  image: RgbImage,
  x: number,
  y: number,
  width: number,
  height: number,
  stroke: number,
  colour: readonly [number, number, number],
): void {
  fillRect(image, x, y, width, stroke, colour);
  fillRect(image, x, y + height - stroke, width, stroke, colour);
  fillRect(image, x, y, stroke, height, colour);
  fillRect(image, x + width - stroke, y, stroke, height, colour);
}
