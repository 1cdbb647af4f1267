export { runCli, ExitCode, type CliIo, type CliReportItem } from './run-cli.js';
export { parseCliArgs, USAGE, type CliOptions, type ParsedArgs } from './cli-args.js';
