import { findCustomFields, type CustomFieldDefinition } from './customFieldStore';
import { findGroups } from './groupStore';

/** What rows may name, read once per job run: groups are few, custom fields fewer. */
export interface DirectorySnapshot {
  groupIdsByName: Map<string, string>;
  customFields: CustomFieldDefinition[];
}

export async function loadDirectorySnapshot(): Promise<DirectorySnapshot> {
  const [groups, customFields] = await Promise.all([findGroups(), findCustomFields()]);
  return {
    groupIdsByName: new Map(groups.map((group) => [group.name, String(group._id)])),
    customFields,
  };
}
