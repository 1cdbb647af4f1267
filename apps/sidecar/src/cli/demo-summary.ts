import type { ResourceKind, StoredObject } from '@amesh/storage';
import type { TranslationReport } from '@amesh/translator';

export interface DemoSummaryInput {
  source: string;
  storage: string;
  statusUrl: string;
  written: Record<ResourceKind, StoredObject[]>;
  report: TranslationReport;
  /** A host/path the explain link should show, taken from the first route. */
  sampleRoute?: { host: string; path: string };
}

/** The short text `amesh-sidecar demo` prints once the example mesh is written. Pure. */
export function formatDemoSummary(input: DemoSummaryInput): string {
  const { written, report } = input;
  const lines: string[] = [];
  lines.push(`amesh-sidecar demo: ${input.source} -> ${input.storage}`);
  lines.push('');
  const counts = (Object.entries(written) as [ResourceKind, StoredObject[]][])
    .filter(([, v]) => v.length > 0)
    .map(([k, v]) => `${v.length} ${k}`);
  lines.push(`written: ${counts.length > 0 ? counts.join(', ') : 'nothing'}`);
  for (const route of written.routes.slice(0, 12)) {
    const all = (route.hosts as string[] | undefined) ?? [];
    const hosts = all.length === 0 ? '*' : all.length === 1 ? all[0] : `${all[0]} (+${all.length - 1})`;
    const uris = (route.uris as string[] | undefined)?.join(',') ?? (route.uri as string | undefined) ?? '';
    const plugins = Object.keys((route.plugins as Record<string, unknown> | undefined) ?? {});
    lines.push(`  route ${pad(String(route.name ?? route.id), 48)} ${hosts} ${uris}${plugins.length ? `  [${plugins.join(', ')}]` : ''}`);
  }
  if (written.routes.length > 12) lines.push(`  … ${written.routes.length - 12} more routes`);
  for (const u of written.upstreams.slice(0, 12)) {
    const nodes = (u.nodes as { host: string; port: number; weight: number }[] | undefined) ?? [];
    lines.push(`  upstream ${pad(String(u.name ?? u.id), 45)} ${nodes.map((n) => `${n.host}:${n.port}`).join(' ') || '(no endpoints)'}`);
  }
  if (written.upstreams.length > 12) lines.push(`  … ${written.upstreams.length - 12} more upstreams`);
  const bySeverity = { dropped: 0, approximated: 0, ignored: 0 };
  for (const item of report) bySeverity[item.severity]++;
  lines.push('');
  lines.push(`translation report: ${report.length} items (${bySeverity.dropped} dropped, ${bySeverity.approximated} approximated, ${bySeverity.ignored} ignored)`);
  const order = { dropped: 0, approximated: 1, ignored: 2 };
  const shown = [...report].sort((a, b) => order[a.severity] - order[b.severity]).slice(0, 8);
  for (const item of shown) lines.push(`  ${item.severity}: ${item.kind} ${item.name} ${item.path}: ${item.reason}`);
  if (report.length > 8) lines.push(`  … ${report.length - 8} more (see /debug/config_dump)`);
  lines.push('');
  const sample = input.sampleRoute ?? { host: 'example.com', path: '/' };
  lines.push('debug:');
  lines.push(`  ${input.statusUrl}/healthz/ready`);
  lines.push(`  ${input.statusUrl}/status`);
  lines.push(`  ${input.statusUrl}/debug/config_dump        (?name=<resource name> to filter)`);
  lines.push(`  ${input.statusUrl}/debug/explain?host=${encodeURIComponent(sample.host)}&path=${encodeURIComponent(sample.path)}`);
  lines.push(`  ${input.statusUrl}/metrics`);
  lines.push('');
  lines.push('Ctrl-C to stop.');
  return lines.join('\n') + '\n';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
