/** fdr-detect as a library: the pipeline and its stages, for tools that embed the detection (the CLI and the Lambda use the same). */
export { processObject, candidateEventTypes, literalGates, type ObjectResult, type PipelineDeps } from './pipeline';
export { SourceError } from './ports';
export type { AlertSink, ContextSnapshot, ContextStore, DedupeStore, FdrSyncTarget, ObjectRef, ObjectSource, PublishResult } from './ports';
export { decodeEvents } from './fdr/decode';
export type { DecodedEvent, DecodeOptions, DecodeStats, RawEvent } from './fdr/types';
export { compileQuery, formatDiagnostics } from './rules/index';
export type { CompiledQuery, CompileResult, Diagnostic, EvalResult, Fields, TableSpec } from './rules/types';
export { loadRule, loadRulePacks, defaultPackDirs, RuleLoadError } from './packs/loader';
export type { LoadedRule, RuleMeta } from './rules/rule';
export { runSamples, readSamples } from './packs/samples';
export { StaticContextStore, loadContextFile } from './context/file';
export { ContextIndex } from './context/memory';
export { validateContext } from './context/validate';
export { policyOf, suppressionFor, type SuppressionRule } from './context/policy';
export type { ContextFile, HostEntry, UserEntry } from './context/types';
export { ALERT_SCHEMA, type AlertRecord } from './alerts/types';
export { redactCommandLine } from './alerts/redact';
export { FileObjectSource, MemoryObjectSource } from './sources/file';
