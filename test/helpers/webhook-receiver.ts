/** A local webhook receiver for the notification tests, and a poll helper. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER } from '../../src/notify/sign.ts';

/** One POST a receiver got. */
export interface Received {
  /** The X-Driftwatch-Event header. */
  event: string;
  /** The exact body. */
  body: string;
  /** The X-Driftwatch-Signature header. */
  signature: string | undefined;
}

/** A running receiver. */
export interface Receiver {
  /** Where to POST. */
  url: string;
  /** Every POST received, in order (recorded once its body has arrived, before it is answered). */
  received: Received[];
  /** Stops listening. */
  close(): Promise<void>;
}

/** A receiver on 127.0.0.1, port 0, answering each request by `answer` (nth: that event's nth POST, from 1). */
export async function webhookReceiver(
  answer: (r: Received, nth: number) => Promise<number>,
): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        event: String(req.headers['x-driftwatch-event']),
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
      };
      received.push(r);
      const nth = received.filter((x) => x.event === r.event).length;
      void answer(r, nth).then((status) => {
        if (!res.destroyed) res.writeHead(status).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `fn` every 200 ms until it returns a value (a generous bound that only fails a stuck test). */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
