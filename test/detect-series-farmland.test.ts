import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateSeries } from '../src/detect/series-eval.ts';

const flanders = join('..', 'shared', 'data', 'series', 'worldcereal-flanders-s2l2a');
const haveShared = existsSync(flanders);
if (!haveShared) console.warn(`skipping monitoring on real farmland: ${flanders} is absent`);

describe.skipIf(!haveShared)(
  'monitoring real, stable farmland (two Flanders Sentinel-2 L2A crop sites)',
  () => {
    it('raises no flood, burn or construction alert, and no vegetation loss once a chip has a season of history', async () => {
      const results = await evaluateSeries(flanders);
      const summary = Object.fromEntries(
        results.map((r) => [
          r.name,
          r.alerts.map(
            (a) => `${a.kind} ${a.status}${a.seasonal ? ' seasonal' : ''} ${a.firstSeen.slice(0, 10)}`,
          ),
        ]),
      );
      // Harvests in each site's first months (no season of history yet) are still raised; cloud edges
      // on partly cloudy looks (the cloud buffer) and bare fields (construction) no longer are.
      expect(summary).toEqual({
        '00002806639B424A': [
          'vegetation-loss dismissed 2017-09-23',
          'vegetation-loss dismissed 2017-09-23',
          'vegetation-loss dismissed 2017-09-23',
          'vegetation-loss dismissed 2017-09-26',
        ],
        '0000280849BAC91C': ['vegetation-loss confirmed 2018-10-13', 'vegetation-loss confirmed 2018-10-13'],
      });
    }, 120_000);
  },
);
