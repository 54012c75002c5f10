/** What a route answers, before it is written to the socket. */

/** A response: a body in memory, or a file streamed from disk. */
export type Reply =
  | { status: number; headers?: Record<string, string>; body: string | Buffer }
  | { status: number; headers?: Record<string, string>; file: string; size: number };

/** Thrown by routes for a resource that does not exist (answered with 404). */
export class NotFound extends Error {}

/** An HTML page. */
export function htmlReply(body: string, status = 200): Reply {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

/** A JSON document. */
export function jsonReply(value: unknown, status = 200): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(value),
  };
}
