import { getPath } from './bsonValues';
import type { Store } from './store';

/**
 * Deletes documents whose TTL-indexed date (or earliest date, for an array) is older than
 * `expireAfterSeconds`, like mongod's TTL monitor. Documents without a date there never expire.
 */
export function expireTtlDocuments(store: Store, now = Date.now()): number {
  let removed = 0;
  for (const collections of store.databases.values()) {
    for (const collection of collections.values()) {
      for (const index of collection.indexes) {
        const seconds = index.spec.expireAfterSeconds;
        if (typeof seconds !== 'number' || index.fields.length !== 1) continue;
        const expired = [];
        for (const doc of collection.docs.values()) {
          const value = getPath(doc, index.fields[0]);
          const dates = (Array.isArray(value) ? value : [value]).filter((item): item is Date => item instanceof Date);
          if (dates.length > 0 && Math.min(...dates.map((date) => date.getTime())) + seconds * 1000 <= now) expired.push(doc);
        }
        for (const doc of expired) collection.remove(doc);
        removed += expired.length;
      }
    }
  }
  return removed;
}
