/** Worker-thread entry for parallel Logpush loading (see logpush-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { parsePart, type WorkerTask } from './logpush-parallel.js';

try {
  const { part, transfer } = await parsePart(workerData as WorkerTask);
  parentPort?.postMessage({ part }, transfer);
} catch (e) {
  parentPort?.postMessage({ error: e instanceof Error ? e.message : String(e) });
}
