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
 * Missing values compare false (`not X eq "a"` is true for a missing X, `X ne "a"` false).
 *
 * Scoring:
 *   score(table, {allow, knownGood, signatures, pack, lists, thresholds}) -> ScoreResult
 *     .table (input + score, label, reasons), .scores, .labelCodes, .knownGood, .fired (id -> mask),
 *     .signatures (per signature: fired rows, applicable/skipped), .counts {good, suspicious, malicious},
 *     .pack {name, version}, .mask(label), .summary(); displays itself in notebooks.
 *   PACK (version '2026.11.0'), effectiveSignatures, knownGoodMask, parseRules/loadRules (user signatures).
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
export { RuleError, RuleSyntaxError, RuleTypeError, RuleReferenceError, ClassifyError } from './errors.js';
export type { Ast, Expr, Value, CompareOp } from './ast.js';
export type { RuleType } from './types.js';
export { IpSet, parseIp, formatIp } from './ip.js';
export { PACK, LIBRARY_JA4, AMP_PORTS } from './signatures/pack.js';
export type { Signature, SignaturePack, ExpressionSignature, AggregateSignature } from './signatures/types.js';
export { parseRules, loadRules, type RulesFile } from './signatures/load.js';
export { score, ScoreResult, effectiveSignatures, knownGoodMask, DEFAULT_THRESHOLDS, type ScoreOptions, type SignatureOutcome, type LabelCounts, type Thresholds } from './score.js';
export { analyze, parsePlan, PLAN_NAMES, GUARDS, GUARD_NAMES, wilson, figure, replay, sharedAddresses, listItemFor, checkSameSite, type Analysis, type Cluster, type Mitigation, type MitigationKind, type AnalyzeOptions, type Refusal, type Lever, type ApiRequest, type Plan, type Requirement, type Zone, type GuardName, type Figure } from './mitigate/index.js';
export { checkPhase, expressionParts, type Phase, type PhaseProblem } from './phases.js';
export { backtest, backtestMask, GOOD_HIT_LIMIT, type Backtest, type BacktestOptions } from './backtest.js';
export { classifyTraffic, writeScored, type Classification, type ClassifyOptions } from './classify.js';
