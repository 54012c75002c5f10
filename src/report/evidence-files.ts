/** How pages link evidence images: by sha256 with the extension of their media type. */

/** File name extensions of the media types that pages show inline. */
const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
};

/** The extension for a media type, or undefined when pages do not show it as an image. */
export function imageExtension(mediaType: string): string | undefined {
  return EXTENSIONS[mediaType.toLowerCase()];
}
