export { Chart, VEGALITE_MIME, SVG_MIME } from './chart.js';
export type { Row, ChartInit } from './chart.js';
export { VizInputError } from './errors.js';
export { COLUMNS } from './columns.js';
export type { Columns, ColumnOverrides } from './columns.js';
export { LABEL_COLORS, LABELS, CONFIG, STATUS_CLASS_COLORS, PROTO_COLORS } from './theme.js';
export type { Label } from './theme.js';
export { renderSVG } from './render.js';
export { trafficOverTime } from './trafficOverTime.js';
export type { TrafficOverTimeOptions, TimeMarker } from './trafficOverTime.js';
export { topSources } from './topSources.js';
export type { TopSourcesOptions, SourceKind } from './topSources.js';
export { sourcePrefix } from './prefix.js';
export { pathHeatmap } from './pathHeatmap.js';
export type { PathHeatmapOptions } from './pathHeatmap.js';
export { statusOverTime, statusClass } from './statusOverTime.js';
export type { StatusOverTimeOptions } from './statusOverTime.js';
export { scoreDistribution } from './scoreDistribution.js';
export type { ScoreDistributionOptions } from './scoreDistribution.js';
export { signatureMatrix, reasonIds } from './signatureMatrix.js';
export type { SignatureMatrixOptions } from './signatureMatrix.js';
export { packetRate, packetSizes, tcpFlagMix, sourcePortSpread } from './packets.js';
export type { PacketRateOptions, PacketSizesOptions, TcpFlagMixOptions, SourcePortSpreadOptions } from './packets.js';
export { protoName, tcpFlagName, portName, REFLECTION_PORTS } from './proto.js';
export { curlWaterfall, tracerouteHops, dnsAnswers, certTimeline, backtestChart } from './evidence.js';
export type {
  CurlTimings, TraceHop, TraceProbe, DnsAnswerSet, DnsAnswerRecord, CertSpan, CertTimelineOptions, BacktestInput, BacktestCount,
} from './evidence.js';
export { curlTimingsFrom, tracerouteHopsFrom, dnsAnswersFrom, certChainFrom } from './adapters.js';
