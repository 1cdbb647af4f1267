import { writeFile } from 'node:fs/promises';
import { formatApisixConfig } from '../apisix-config-format.js';
import type { ApisixConfig } from '../apisix-types.js';
import { loadXdsPaths } from '../loader/load-xds-paths.js';
import type { LoadReportItem } from '../loader/load-result.js';
import { XdsLoadError } from '../loader/xds-load-error.js';
import type { ReportItem } from '../translation-report.js';
import { translate } from '../translate.js';
import { parseCliArgs, USAGE, type CliOptions } from './cli-args.js';

/** Exit statuses of amesh-translate. */
export const ExitCode = { ok: 0, invalidInput: 1, usage: 2, strictReport: 3 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** One report for the user: what the loader kept without understanding, then what translate left out. */
export type CliReportItem = LoadReportItem | ReportItem;

/** Runs amesh-translate on already split arguments; returns the exit status instead of exiting. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(`${USAGE}\n`);
    return ExitCode.ok;
  }
  if (parsed.kind === 'usage-error') {
    io.stderr(`amesh-translate: ${parsed.message}\n${USAGE}\n`);
    return ExitCode.usage;
  }
  try {
    return await translateFiles(parsed.options, io);
  } catch (err) {
    if (!(err instanceof XdsLoadError)) throw err;
    io.stderr(`amesh-translate: ${err.message}\n`);
    return ExitCode.invalidInput;
  }
}

async function translateFiles(options: CliOptions, io: CliIo): Promise<number> {
  const loaded = await loadXdsPaths(options.files);
  const { config, report: translation } = translate(loaded.resources, { portMatch: options.portMatch });
  const report: CliReportItem[] = [...loaded.report, ...translation];
  const reportText = `${JSON.stringify(report, null, 2)}\n`;
  if (options.report === '-') {
    io.stderr(reportText);
  } else if (options.report !== undefined) {
    try {
      await writeFile(options.report, reportText);
    } catch (err) {
      io.stderr(`amesh-translate: cannot write the report to ${options.report}: ${(err as Error).message}\n`);
      return ExitCode.invalidInput;
    }
  }
  io.stdout(formatApisixConfig(config, options.output));
  // With `--report -` standard error carries the report alone, so it stays parseable JSON.
  if (options.report !== '-') io.stderr(`amesh-translate: ${summary(config, report.length, options.report)}\n`);
  return options.strict && report.length > 0 ? ExitCode.strictReport : ExitCode.ok;
}

function summary(config: ApisixConfig, reportItems: number, reportTarget: string | undefined): string {
  const counts = (Object.keys(config) as (keyof ApisixConfig)[]).map((k) => `${config[k].length} ${k}`).join(', ');
  const where = reportItems === 0 ? '' : reportTarget === undefined ? ' (--report PATH|- shows them)' : ` (in ${reportTarget})`;
  return `${counts}; report: ${reportItems} item${reportItems === 1 ? '' : 's'}${where}`;
}
