/** Worker-thread entry for parallel Logpush loading (see logpush-parallel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { workerLoop, type WorkerMessage, type WorkerTask } from './logpush-part.js';

const port = parentPort as unknown as MessagePort;
try {
  await workerLoop(workerData as WorkerTask, port);
} catch (e) {
  port.postMessage({ type: 'error', error: e instanceof Error ? e.message : String(e) } satisfies WorkerMessage);
}
