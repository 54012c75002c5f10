import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { installTemporalRuntime } from '../../src/temporal/runtime.ts';

/** A real Temporal dev server (the binary found by setup) for one test file. */
export function startTemporal(): Promise<TestWorkflowEnvironment> {
  installTemporalRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCli') },
      ip: '127.0.0.1',
      extraArgs: ['--log-level', 'error'],
    },
  });
}
