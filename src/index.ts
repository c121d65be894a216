/** netrunbook: everything a runbook cell needs, from one import. */
export * from './display.js';
export * as steps from './steps/index.js';
export * as traffic from './traffic/index.js';
export * as classify from './classify/index.js';
export * as viz from './viz/index.js';
export * as notebook from './notebook/index.js';
export * as routing from './routing/index.js';
