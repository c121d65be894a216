/**
 * netrunbook/classify — the Rules language over traffic tables, signature scoring, attack
 * clustering, mitigation synthesis and backtests.
 *
 * Rules language (Cloudflare wirefilter syntax), compiled in phases:
 *   parse(expression) -> Ast                      RuleSyntaxError with position + caret
 *   check(ast, schema, {lists}) -> CheckedAst     RuleTypeError / RuleReferenceError ("did you mean")
 *   codegen(checked, {lists, nilNotEqual}) -> Kernel  JS source of a loop over column arrays
 *   compile(kernel) -> CompiledKernel             the only `new Function` in netrunbook
 *   rule(expression, table, opts) -> Rule         all four; Rule.mask(table) / .count / .filter
 *   matchRows(table, expression) -> Uint8Array    0/1 per row
 *   validateRule(expression) -> {ok, error}       against the full field catalogue, no table
 * Speed: a costly comparison on one string column (regex, contains, functions) is evaluated once
 * per distinct value and read back through interned ids (`dictionary: false` turns this off);
 * columns of mostly unique values are evaluated row-wise by the same kernel.
 * Fields are the table's columns (canonical names from netrunbook/traffic) plus derived ones
 * (http.request.uri, .full_uri, .uri.args*, .headers.names/.values, .cookies, tcp.flags.syn...).
 * Limits (RuleLimitError naming the option): expression length 4096, nesting 128, regex program
 * size and per-value regex work; raise them with `{ limits: {...} }` (RuleLimits).
 * `matches`/`regex_replace` run on a linear-time engine (./regex: lazy DFA and Pike VM, RE2
 * syntax, look-around and back-references refused at check time); `wildcard` on a linear glob.
 * Missing values compare false (`not X eq "a"` is true for a missing X, `X ne "a"` false).
 *
 * Scoring:
 *   score(table, {allow, knownGood, signatures, pack, lists, thresholds}) -> ScoreResult
 *     .table (input + score, label, reasons), .scores, .labelCodes, .knownGood, .fired (id -> mask),
 *     .signatures (per signature: fired rows, applicable/skipped), .counts {good, suspicious, malicious},
 *     .pack {name, version}, .mask(label), .summary(); displays itself in notebooks.
 *   PACK (version '2026.12.1'), effectiveSignatures, knownGoodMask, parseRules/loadRules (user signatures).
 *   Behaviour over time (src/classify/behaviour): `behaviour.*` fields per address, client (address +
 *   user agent + JA4), session (cookie), actor, endpoint window and network, usable in any rule;
 *   the bh.* signatures read them. `baseline` option: a quiet time range `{from, to}` or
 *   `baselineRates(otherTable)`; default an automatic per-endpoint split. ScoreResult.behaviour
 *   says which baseline was used and what did not apply.
 *   Labels: score >= 60 malicious, >= 30 suspicious (DEFAULT_THRESHOLDS).
 *
 * Attacks and mitigations:
 *   analyze(scored, {attack?, good?}) -> Analysis { clusters, mitigations, topSources }, displays itself.
 *     Cluster { id, name, layer, rows, share, signatures, attributes[{field, value, share, goodShare}], topSources, sources }
 *     Mitigation { kind: waf_custom_rule | rate_limit | ip_list | network_firewall, cluster, description,
 *                  expression, action, json (Cloudflare API object), nftables?, backtest {attack, good,
 *                  attackMatched, goodMatched, hitsGood}, clusterCoverage }
 *   backtest(table, expression, {scored | attack, good}) -> Backtest { attack, good, matched, total, hitsGood, ... }
 *   classifyTraffic(path, opts) -> Classification (load + score + analyze; what `runbook classify` prints).
 */
export { parse } from './parse.js';
export { check, type CheckOptions, type CheckedAst } from './check.js';
export { codegen, type Kernel, type CodegenOptions } from './codegen.js';
export { compile, type CompiledKernel } from './compile.js';
export { rule, compileRule, matchRows, validateRule, Rule, type RuleOptions, type Validation } from './rule.js';
export { schemaOf, catalogSchema, CATALOG, DERIVED, type Schema, type FieldInfo } from './schema.js';
export { RuleError, RuleSyntaxError, RuleTypeError, RuleReferenceError, RuleLimitError, ClassifyError } from './errors.js';
export { DEFAULT_LIMITS, type RuleLimits } from './limits.js';
export type { Ast, Expr, Value, CompareOp } from './ast.js';
export type { RuleType } from './types.js';
export { IpSet, parseIp, formatIp } from './ip.js';
export { PACK, LIBRARY_JA4, AMP_PORTS } from './signatures/pack.js';
export type { Signature, SignaturePack, ExpressionSignature, AggregateSignature } from './signatures/types.js';
export { parseRules, loadRules, type RulesFile } from './signatures/load.js';
export { baselineRates, ScoreResult, effectiveSignatures, knownGoodMask, DEFAULT_THRESHOLDS, type BehaviourReport, type ScoreOptions, type SignatureOutcome, type LabelCounts, type Thresholds } from './score.js';
export { analyze, parsePlan, PLAN_NAMES, GUARDS, GUARD_NAMES, wilson, figure, replay, sharedAddresses, listItemFor, checkSameSite, type Analysis, type Cluster, type Mitigation, type MitigationKind, type AnalyzeOptions, type Refusal, type Lever, type ApiRequest, type Plan, type Requirement, type Zone, type GuardName, type Figure } from './mitigate/index.js';
export { checkPhase, expressionParts, type Phase, type PhaseProblem } from './phases.js';
export { backtest, backtestMask, GOOD_HIT_LIMIT, type Backtest, type BacktestOptions } from './backtest.js';
export { classifyTraffic, summaryMitigations, writeScored, type Classification, type ClassifyOptions, type PhaseTimes, type PhaseTime } from './classify.js';

// The same pack where the logs live (classify/sql): `score(await clickhouse(url, table))`
// returns a promise of the remote summary; only aggregates and samples come back.
export { clickhouse, isRemoteTable } from './sql/handle.js';
export { openRemote, ingest, remoteScore, remoteRuleTest, remoteMatches, type RemoteTable, type RemoteScore, type RemoteRuleTest, type TimeRange } from './sql/remote.js';
export { lowerToSql, SqlLoweringError } from './sql/lower.js';
import type { ColumnTable } from 'arquero';
import { score as scoreInMemory, type ScoreOptions, type ScoreResult as Scored } from './score.js';
import { remoteScore as scoreRemote, type RemoteTable as Remote, type RemoteScore as RemoteSummary, type RemoteScoreOptions } from './sql/remote.js';
import { isRemoteTable as remote } from './sql/handle.js';

/** Score a table in memory, or a remote table where it lives (a promise of its summary). */
export function score(table: ColumnTable, opts?: ScoreOptions): Scored;
export function score(table: Remote, opts?: RemoteScoreOptions): Promise<RemoteSummary>;
export function score(table: ColumnTable | Remote, opts: ScoreOptions & RemoteScoreOptions = {}): Scored | Promise<RemoteSummary> {
  return remote(table) ? scoreRemote(table, opts) : scoreInMemory(table, opts);
}
