/**
 * Worker-thread entry for score()'s row-local signatures (see score-parallel.ts). Whatever goes
 * wrong here is posted as an error, and the flag is set either way: score() waits on it.
 */
import { workerData } from 'node:worker_threads';
import type { RowLocalTask } from './score-parallel.js';

const task = workerData as RowLocalTask;
try {
  // imported here, not above: a module that fails to load is reported like any other failure
  const { evaluateRowLocal } = await import('./score-rows.js');
  const { answer, transfer } = evaluateRowLocal(task);
  task.port.postMessage(answer, transfer);
} catch (e) {
  task.port.postMessage({ error: e instanceof Error ? e.message : String(e) });
} finally {
  Atomics.store(task.flag, 0, 1);
  Atomics.notify(task.flag, 0);
}
