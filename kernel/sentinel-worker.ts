/** Worker-thread entry of the kernel's sentinel (see kernel/sentinel.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSentinel, type SentinelData } from './sentinel.js';

if (parentPort) void serveSentinel(parentPort, workerData as SentinelData);
