/** netrunbook/routing: MRT (RFC 6396) routing dumps into route tables and bgpdump `-m` lines. */
export { decodeMrt, MRT_TYPE, bgpStateName, type Route, type RouteKind, type MrtReport, type MrtIssue, type DecodeOptions } from './mrt.js';
export { readAttributes, readPrefixes, asPathText, ATTR, AFI, SEG, type PathAttributes, type AsSegment, type MpNlri, type Prefix } from './attributes.js';
export { bgpdumpLine, bgpdumpText, bgpdumpStream, originText } from './bgpdump.js';
export { routeTable, ROUTE_FIELD, flatPath, originAs, type RouteAction } from './table.js';
export { loadMrt, type MrtLoaded } from './load.js';
export { readMrtBytes, readMrtSource, compressionOf, MrtError, type MrtLoadOptions, type Bunzip, type Compression } from './source.js';
export { fmtIpv4, fmtIpv6 } from './bytes.js';
export { parsePrefix, covers, type ParsedPrefix } from './prefix.js';
export { parseVrps, VrpIndex, withRov, type Vrp, type VrpSet, type VrpIssue, type RovState, type RovResult } from './rov.js';
export { originsByPrefix, moas, moreSpecifics, pathChanges, prepending, flaps } from './analyses.js';
export { tunnelMtu, mssClamp, encapsulationsFor, mssAudit, type TunnelSpec, type MtuResult, type MtuPart, type Encap, type EspCipher, type MssSeen } from './mtu.js';
export { bunzip2, bunzip2Partial } from './bunzip.js';
export { tunnelHealth, MAGIC_TRANSIT_THRESHOLDS, STATE_PENALTY, HealthCheckError, type HealthCheckSpec, type HealthThresholds, type HealthProbe, type HealthInterval, type HealthTransition, type TunnelHealth, type TunnelState, type ProbeStyle, type HealthRate, type PacketTable } from './health.js';
export { parseAsRel, valleyFree, routeLeaks, AsRelationships, type Rel, type LinkDir, type LeakKind, type AsRelIssue, type PathLink, type PathLeak, type ValleyCheck, type LeakRow, type LeakReport } from './valley.js';
