// A driftwatch process that uses the home's embedded Temporal server, for the sharing and kill-9 tests.
// Env: DRIFTWATCH_HOME, TEMPORAL_CLI. Prints one JSON line once connected, then answers stdin lines:
// `check` → one JSON line with the namespace the server describes (or the error); `close` → closes
// the handle, prints `closed` and exits.
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.ts';
import { openTemporal } from '../../src/temporal/connect.ts';

const handle = await openTemporal(loadConfig());
const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
print({ pid: process.pid, address: handle.address, server: handle.server });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'check') {
    try {
      const ns = await handle.client.workflowService.describeNamespace({ namespace: 'default' });
      print({ namespace: ns.namespaceInfo?.name });
    } catch (err) {
      print({ error: (err as Error).message });
    }
  } else if (line === 'close') {
    await handle.close();
    process.stdout.write('closed\n');
    process.stdin.destroy(); // nothing else keeps the process: it exits
    break;
  }
}
