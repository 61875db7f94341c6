/**
 * A custom field's value, looked up as data: a key such as `constructor` (allowed before keys
 * were checked, so it may exist) names a field, never an Object property.
 */
export function ownValue(values: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return values && Object.hasOwn(values, key) ? values[key] : undefined;
}
