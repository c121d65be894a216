/**
 * Behaviour over time, for scoring: the frame of a table (built from its columns through
 * columns.ts, so the derived `behaviour.*` fields and score() share one computation), the
 * report notes (baseline used, what did not apply) and the explained reasons.
 */
export { behaviourFrame, behaviourFrameOf, baselineRates, BehaviourFrame, type Grouping } from './frame.js';
export { BEHAVIOUR_SOURCES, columnsSource, type BehaviourColumns, type BehaviourSource } from './facts.js';
export { EXPLAIN, type Explainer } from './reasons.js';
export { BEHAVIOUR_MESSAGES } from './messages.js';
export { NETWORK_CLASSES_VERSION, networkClass, asnClass, rangeClass, type NetworkClass } from './networks.js';
export { splitBaseline, incidentThreshold, type BaselineOption, type BaselineInfo } from './baseline.js';
export { sessionToken, endpointOf, queryRandomness, isLoginPath, isStaticPath, networkOf } from './keys.js';
export { seedIds, renumber, renumberInto, pairIds, takeI32, release } from './intern.js';
export { WholeSource } from './whole.js';
