import type { MatchRequest } from '../matching/index.js';

/** A GET of `path` on port 80 with `authority`, no headers or query, changed by `extra`. */
export function testRequest(authority: string, path: string, extra: Partial<MatchRequest> = {}): MatchRequest {
  return { authority, port: 80, method: 'GET', path, headers: {}, query: {}, ...extra };
}
