// istio-iptables compatible traffic capture: pure option parsing and rule building, plus the
// applier and the `amesh-sidecar iptables` entry point.
export { applyRules, cleanupRules, type CleanupOptions } from './apply.js';
export { buildRules, type RuleScripts } from './build-rules.js';
export { CHAIN_PREFIX, Chain, isOwnChain } from './chains.js';
export { planCleanup } from './cleanup-plan.js';
export { EXIT_FAILED, EXIT_INVALID, EXIT_OK, renderDryRun, runIptablesCli, type CliIo, type Writable } from './cli.js';
export { ExecError, processExec, type Exec, type ExecResult } from './exec.js';
export { FLAGS, usage, type FlagKey, type FlagSpec } from './flags.js';
export type { AccountFiles } from './identity.js';
export { hostCidr, parseCidr, type Cidr, type CidrResult, type IpFamily } from './ip-cidr.js';
export { DEFAULT_OPTIONS, type CidrSelection, type InterceptionMode, type InterceptionOptions, type PortSelection } from './options.js';
export { parseInterceptionArgs, type ParseContext, type ParseResult } from './parse-args.js';
export { buildRouteCommands, countFwmarkRules, type IpCommand } from './route-commands.js';
