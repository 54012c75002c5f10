/**
 * A URL as it may appear in errors and logs: the values of query parameters that are credentials are
 * replaced by `[redacted]`. Planetary Computer's SAS-signed asset URLs carry their signature in `sig`, and
 * presigned S3 URLs (where LP DAAC redirects an Earthdata download) in the `X-Amz-*` parameters below;
 * the rest of the URL (host, path, expiry) stays, so a message still names the asset.
 */
const SECRET_PARAMS = new Set(['sig', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token']);

export function shownUrl(url: string | URL): string {
  const text = typeof url === 'string' ? url : url.href;
  const q = text.indexOf('?');
  if (q < 0) return text;
  const end = text.indexOf('#', q);
  const query = text.slice(q + 1, end < 0 ? undefined : end);
  const shown = query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      return eq >= 0 && SECRET_PARAMS.has(decodeURIComponent(name).toLowerCase())
        ? `${name}=[redacted]`
        : part;
    })
    .join('&');
  return `${text.slice(0, q + 1)}${shown}${end < 0 ? '' : text.slice(end)}`;
}
