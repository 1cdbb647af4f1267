/** Whether an object has an own enumerable key, without allocating `Object.keys` (hot path). */
export function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
