import type { Message } from '@bufbuild/protobuf';
import { emptyXdsResources, type XdsKind } from '../xds-resources.js';
import type { LoadedSource, LoadReportItem, LoadResult } from './load-result.js';
import { RESOURCE_KINDS } from './resource-kinds.js';

interface Held {
  message: Message;
  where: string;
}

/**
 * Accumulates resources from one or more documents. A name seen twice within a kind keeps the later
 * definition (as an xDS client would after an update) and reports the replaced one. Output lists
 * keep first-seen order, so results are deterministic for a given file order.
 */
export class ResourceCollector {
  private readonly held = new Map<XdsKind, Map<string, Held>>(RESOURCE_KINDS.map((k) => [k.kind, new Map()]));
  readonly report: LoadReportItem[] = [];
  readonly sources: LoadedSource[] = [];
  private nameless = 0;

  add(kind: XdsKind, name: string, message: Message, source: string, path: string): void {
    const byName = this.held.get(kind)!;
    const where = `${source} at ${path}`;
    // Nameless resources (inline route configs and static listeners in dumps) cannot collide.
    const key = name === '' ? `\0${this.nameless++}` : name;
    const previous = byName.get(key);
    if (previous) {
      this.report.push({
        kind,
        name,
        path: '',
        severity: 'ignored',
        reason: `${kind} "${name}" is defined again (${where}); the definition at ${previous.where} is replaced`,
        source,
      });
    }
    byName.set(key, { message, where });
  }

  result(): LoadResult {
    const resources = emptyXdsResources();
    for (const info of RESOURCE_KINDS) {
      // Not push(...spread): lists of 100k+ resources would exceed the argument limit.
      (resources as unknown as Record<string, Message[]>)[info.list] = Array.from(this.held.get(info.kind)!.values(), (h) => h.message);
    }
    return { resources, report: this.report, sources: this.sources };
  }
}

