// Workflow definitions registered with the worker. Deterministic code only: activities are imported as types.
export { assessDisaster } from './assess-disaster.ts';
export { monitorArea } from './monitor-area.ts';
export { processAcquisition } from './process-acquisition.ts';
export { deliverNotifications } from './deliver-notifications.ts';
export { redeliverNotifications } from './redeliver-notifications.ts';
