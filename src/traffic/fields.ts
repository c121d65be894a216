export { FIELD, FIELD_NAMES, SCORE_FIELD, LABELS, isLabel, type FieldKey, type FieldName, type Label } from '../catalog.js';
export type { TrafficFormat, SkippedRow, LoadReport } from './types.js';
