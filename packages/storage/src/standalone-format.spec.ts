import { parse } from 'yaml';
import { END_MARKER, formatStandalone, parseStandalone } from './standalone-format.js';
import { applyToState, emptyState } from './state.js';

describe('standalone format (pure)', () => {
  const state = applyToState(emptyState(), [
    { op: 'put', kind: 'routes', id: 'b', value: { id: 'b', uri: '/b', vars: [['http_x', '~~', 'a: b # c']] } },
    { op: 'put', kind: 'routes', id: 'a', value: { id: 'a', uri: '/a', desc: "quote ' and \" and: colon" } },
    { op: 'put', kind: 'ssls', id: 's', value: { id: 's', cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', snis: ['x'] } },
  ]);

  it('yaml: lists per kind sorted by id, #END last, and parses back to the same state', () => {
    const text = formatStandalone(state, 'yaml');
    expect(text.endsWith(`\n${END_MARKER}\n`)).toBe(true);
    const doc = parse(text);
    expect(doc.routes.map((r: { id: string }) => r.id)).toEqual(['a', 'b']);
    expect(doc.upstreams).toEqual([]);
    expect(parseStandalone(text, 'yaml')).toEqual(state);
    // Deterministic, also when served from the memo.
    expect(formatStandalone(state, 'yaml')).toBe(text);
  });

  it('json: the same lists, no #END', () => {
    const text = formatStandalone(state, 'json');
    expect(text).not.toContain(END_MARKER);
    expect(parseStandalone(text, 'json')).toEqual(state);
  });
});
