/** Worker-thread entry of the type analyzer (see kernel/executor.ts). */
import { parentPort } from 'node:worker_threads';
import { serveAnalyzer } from './executor.js';

if (parentPort) void serveAnalyzer(parentPort);
