/**
 * netrunbook/viz: charts of attack patterns that survive export.
 *
 * DESIGN
 * - Every builder is ASYNC and returns a `Chart` whose SVG is already rendered (vega's
 *   `View.toSVG()` is async; the Jupyter display method is sync, so rendering happens at build
 *   time). In a cell: `await trafficOverTime(table, { mitigationAt })` as the last expression, or
 *   `display(await topSources(table))`.
 * - A Chart displays as `application/vnd.vegalite.v5+json` (interactive in JupyterLab, output
 *   metadata asks for the SVG renderer) + `image/svg+xml` (what GitHub, nbconvert and exported
 *   postmortems show) + `text/plain` (title and the aggregated numbers as a text table).
 * - Table builders take an Arquero table with the canonical traffic column names and aggregate it
 *   (one numeric group key per (time bin, category); heavy-hitter counts of IPs/ports with a Map over
 *   the columns) BEFORE a spec exists: specs embed at most a few thousand aggregated rows.
 *   Override any column name with `{ columns: { label: 'verdict' } }` (defaults: `COLUMNS`).
 * - Colours are fixed across every chart (theme.ts): good #4c78a8 blue, suspicious #f2a72b amber,
 *   malicious #d62728 red; status classes and protocols have fixed colours too. Time axes are UTC.
 * - Bad input throws `VizInputError` (userFacing) naming the builder, the missing column and the
 *   columns present, or the position of the bad item. An empty input renders a "no data" panel.
 * - Untrusted strings (paths, user agents) are escaped by vega's SVG renderer: they can never
 *   become markup (tested with `<script>` and `" onload=` paths).
 *
 * CHART
 *   class Chart { spec; svg; title; rows; warnings;
 *     static render(spec: TopLevelSpec, init?: { title?, rows? }): Promise<Chart>  // any Vega-Lite v5 spec
 *     toSVG(): Promise<string>; toPNG(scale = 2): Promise<Uint8Array>            // PNG via resvg
 *     save(path): Promise<string>   // .svg | .png | .json (the spec); atomic (temp + rename)
 *     toString(): string; [Symbol.for('Jupyter.display')](): DisplayData }
 *
 * HTTP / L7 (table: ColumnTable; columns timestamp (ms), ip.src, ip.src.asnum, ip.src.country,
 * http.request.uri.path, http.response.code, score, label, reasons, cluster)
 *   trafficOverTime(table, { by?: 'label'|'cluster'|'none', binMs?, mitigationAt?: ms|Date|ISO,
 *                            markers?: [{ at, label }], maxClusters? = 8, title?, columns? })
 *   topSources(table, { by?: 'ip'|'prefix'(/24, /64)|'asn'|'country', rank?: 'requests'|'flagged',
 *                       limit? = 10 })                      bars split by label + "N · x% flagged"
 *   pathHeatmap(table, { limit? = 15, binMs?, labels?: ['malicious', ...] })   path x time counts
 *   statusOverTime(table, { by?: 'class'|'code', limit? = 8, binMs?, normalize? })
 *   scoreDistribution(table, { bins? = 25, thresholds?: { suspicious?, malicious? }, log? })
 *   signatureMatrix(table, { by? = 'cluster' (falls back to 'label'), limit? = 25 })
 *       reasons may be string[] | 'a,b' | 'a;b' | '["a","b"]'; cell = share of the group's rows
 *
 * PACKETS / L3-4 (columns timestamp, ip.src, ip.proto (6/17/'tcp'), ip.len, tcp.flags (int),
 * tcp.srcport, tcp.dstport, udp.srcport, udp.dstport; ip.proto is inferred when absent)
 *   packetRate(table, { by?: 'proto'|'port', limit? = 8, binMs? })   packets/s and bits/s panels
 *   packetSizes(table, { binBytes? = 50 })                           length histogram by protocol
 *   tcpFlagMix(table, { limit? = 10 })                               'SYN', 'SYN+ACK', 'RST' ...
 *   sourcePortSpread(table, { limit? = 15 })   top source ports, service names for UDP reflection
 *                                              ports ('UDP 123 (NTP)') and distinct sources each
 *
 * STEP EVIDENCE (plain inputs; the *From adapters accept a StepResult, its data, or the value)
 *   curlWaterfall(CurlTimings | CurlTimings[])   { dns, connect, tls, firstByte, total } cumulative ms
 *        curlTimingsFrom(curlResult | curlResult[])  steps CurlTiming (marks or *Ms durations), curl -w json
 *   tracerouteHops(TraceHop[], { target? })      { hop, probes: [{ address, rttMs }], loss? (0..1) }
 *        tracerouteHopsFrom(tracerouteResult)
 *   dnsAnswers(DnsAnswerSet[], { question? })    { resolver, status?, values: (string | { value, ttl })[], ttl? }
 *        dnsAnswersFrom(compareResolversResult | digResult[])
 *   certTimeline(CertSpan[], { now?, warnDays? = 30 })   { subject, notBefore, notAfter, issuer? }
 *        certChainFrom(tlsResult | CertInfo[] | cert)
 *   mtrChart(mtrResult | data | MtrHop[], { target? })   loss % per hop beside best..worst/avg latency;
 *        hops from which the loss carries to the destination in red, loss at one hop only in amber
 *   backtestChart(BacktestInput[])               { name?|expression?, attack: { matched, total }, good: {...} }
 *        backtestFrom(classify Backtest | mitigations | analysis)
 *
 * HELPERS: COLUMNS, LABEL_COLORS, CONFIG (the Vega-Lite config every spec embeds), sourcePrefix,
 * statusClass, reasonIds, tcpFlagName, protoName, portName, REFLECTION_PORTS, renderSVG.
 */
export { Chart, VEGALITE_MIME, SVG_MIME } from './chart.js';
export type { ColumnTable } from 'arquero';
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
export { curlTimingsFrom, tracerouteHopsFrom, dnsAnswersFrom, certChainFrom, backtestFrom } from './adapters.js';
export { mtrChart } from './mtr.js';
export type { MtrHopInput, MtrChartOptions } from './mtr.js';
