/**
 * A PCRE pattern (as APISIX runs it, unanchored, and as the translator emits it) as a JS RegExp:
 * a leading `(?i)` becomes the `i` flag, `\x{hh}` a UTF-16 escape, `\A` / `\z` / `\Z` anchors.
 * Undefined when JS cannot express the pattern, so callers can say so instead of guessing.
 */
export function pcreToRegExp(pattern: string, caseInsensitive: boolean): RegExp | undefined {
  let flags = caseInsensitive ? 'i' : '';
  let source = pattern;
  if (source.startsWith('(?i)')) {
    source = source.slice(4);
    flags = 'i';
  }
  source = source
    .replace(/\\x\{([0-9a-fA-F]{1,6})\}/g, (_, hex: string) => utf16Escape(parseInt(hex, 16)))
    .replace(/\\A/g, '^')
    .replace(/\\[zZ]/g, '$');
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

/** `\uXXXX` (a surrogate pair above U+FFFF): JS without the `u` flag has no `\x{...}`. */
function utf16Escape(codePoint: number): string {
  const units = String.fromCodePoint(Math.min(codePoint, 0x10ffff));
  return [...Array(units.length).keys()].map((i) => `\\u${units.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');
}

/** Envoy's RE2 `safe_regex`, which must match the whole value. */
export function fullMatchRegExp(re2: string): RegExp | undefined {
  return pcreToRegExp(`^(?:${re2})$`, false);
}
