import { CustomFieldModel } from './customFieldModel';
import { GroupModel } from './groupModel';

/** What rows may name, read once per job run: groups are few, custom fields fewer. */
export interface DirectorySnapshot {
  groupIdsByName: Map<string, string>;
  customFields: { key: string; label: string }[];
}

export async function loadDirectorySnapshot(): Promise<DirectorySnapshot> {
  const [groups, fields] = await Promise.all([
    GroupModel.find({}, { name: 1 }).lean(),
    CustomFieldModel.find({}, { key: 1, label: 1 }).sort({ createdAt: 1, _id: 1 }).lean(),
  ]);
  return {
    groupIdsByName: new Map(groups.map((group) => [group.name, String(group._id)])),
    customFields: fields.map(({ key, label }) => ({ key, label })),
  };
}
