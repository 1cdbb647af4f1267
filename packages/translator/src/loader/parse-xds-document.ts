import type { LoadedSource, LoadResult } from './load-result.js';
import { extractEntries } from './document-entries.js';
import { parseText } from './parse-text.js';
import { decodeEntry } from './resource-decoder.js';
import { ResourceCollector } from './resource-collector.js';

/**
 * Reads the xDS resources of one document given as text, in any format the loader knows (see
 * XdsDocumentFormat), JSON or YAML, snake_case or camelCase. Pure apart from the lazily loaded
 * type registry. `source` names the document in errors and reports (usually its file path).
 * Throws XdsLoadError for unparsable or invalid input.
 */
export function parseXdsDocument(text: string, source: string): LoadResult {
  const collector = new ResourceCollector();
  parseDocumentInto(collector, text, source);
  return collector.result();
}

/** parseXdsDocument, adding to a collector shared by several documents. */
export function parseDocumentInto(collector: ResourceCollector, text: string, source: string): void {
  const docs = parseText(text, source);
  const extracted = docs.map((doc, i) => extractEntries(doc, source, docs.length > 1 ? `documents[${i}]` : ''));
  const decoded = extracted.map((e) => e.entries.map((entry) => ({ entry, resource: decodeEntry(entry, source) })));
  extracted.forEach((doc, i) => {
    const loaded: LoadedSource = { source, format: doc.format, resources: [] };
    if (doc.versionInfo !== undefined) loaded.versionInfo = doc.versionInfo;
    for (const note of doc.notes) collector.report.push({ kind: 'Document', name: '', ...note, source });
    for (const { entry, resource } of decoded[i]!) {
      const kind = entry.info.kind;
      for (const note of resource.notes) collector.report.push({ kind, name: resource.name, ...note, source });
      collector.add(kind, resource.name, resource.message, source, entry.path);
      loaded.resources.push({
        kind,
        name: resource.name,
        path: entry.path,
        ...(entry.versionInfo !== undefined ? { versionInfo: entry.versionInfo } : {}),
        ...(entry.origin !== undefined ? { origin: entry.origin } : {}),
      });
    }
    collector.sources.push(loaded);
  });
}
