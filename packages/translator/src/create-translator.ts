import { upstreamUpdate } from './upstream-update.js';
import { runTranslation, TranslationMemo, type TranslateOptions, type TranslateResult } from './translate.js';
import { refsOf, type XdsRef, type XdsRefs, type XdsResources } from './xds-resources.js';

/** A translator that remembers its last translation to make the next one cheap. */
export interface Translator {
  /**
   * Same result as `translate(xds, options)`, byte for byte. Parts whose input messages are the
   * same objects as last time (and whose clusters answer the same) are reused, not translated
   * again, and unchanged APISIX objects are the same instances as in the last result, so a
   * consumer can compare by reference first. Results are shared: do not mutate them. Nor the
   * input: its arrays and messages are kept (not copied) and compared by identity next time, so
   * a changed resource must be a new message in a new array (as the transport delivers them).
   */
  translate(xds: XdsResources): TranslateResult;
  /**
   * The same with clusters and assignments by reference (see XdsRef): unchanged ones are compared
   * by reference and not decoded; only what changed, or what depends on it, is. How the agent,
   * which holds them as wire bytes, feeds it.
   */
  translateRefs(xds: XdsRefs): TranslateResult;
}

/**
 * An incremental translator. Feed it successive snapshots whose unchanged resources keep their
 * message objects (as the transport's client does); the cache lives in the returned object only.
 */
export function createTranslator(options: TranslateOptions = {}): Translator {
  const portMatch = options.portMatch ?? 'server_port';
  const memo = new TranslationMemo();
  const translateRefs = (xds: XdsRefs): TranslateResult => upstreamUpdate(xds, memo) ?? runTranslation(xds, portMatch, memo);
  // Messages get one reference each for as long as they live: unchanged messages compare equal.
  const known = new WeakMap<object, XdsRef<unknown>>();
  return { translate: (xds) => translateRefs(refsOf(xds, known)), translateRefs };
}
