import { parseAllDocuments } from 'yaml';
import { XdsLoadError } from './xds-load-error.js';

/**
 * Parses a document's text into plain values, one per YAML document (JSON gives one). Text that
 * starts like JSON (`{` or `[`) is read as JSON only, so a broken JSON file gets a JSON error with
 * its line and column instead of a confusing YAML one.
 */
export function parseText(text: string, source: string): unknown[] {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  if (first === undefined) throw new XdsLoadError(source, '', 'the document is empty: expected xDS resources in JSON or YAML', 'shape');
  if (first === '{' || first === '[') return [parseJson(body, source)];
  return parseYaml(body, source);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const where = offset !== undefined ? ` (${lineColumn(text, offset)})` : '';
    throw new XdsLoadError(source, '', `invalid JSON${where}: ${message}`, 'syntax');
  }
}

function parseYaml(text: string, source: string): unknown[] {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    const error = doc.errors[0];
    if (error) {
      const pos = error.linePos?.[0];
      const where = pos ? ` (line ${pos.line}, column ${pos.col})` : '';
      throw new XdsLoadError(source, '', `invalid YAML${where}: ${error.message.split('\n')[0]}`, 'syntax');
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  if (values.length === 0) throw new XdsLoadError(source, '', 'the document is empty: expected xDS resources in JSON or YAML', 'shape');
  return values;
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
