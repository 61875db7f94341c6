import type { Types } from 'mongoose';
import { isDuplicateKey } from './databaseErrors';
import { GroupModel } from './groupModel';

/** A group as rows, exports and the directory name it. */
export interface StoredGroup {
  _id: Types.ObjectId;
  name: string;
}

/** Every group, in no particular order: what rows and exports turn names into ids and back with. */
export async function findGroups(): Promise<StoredGroup[]> {
  return GroupModel.find({}, { name: 1 }).lean();
}

/** Every group, by name: the directory's list. */
export async function findGroupsByName(): Promise<StoredGroup[]> {
  return GroupModel.find({}, { name: 1 }).sort({ name: 1 }).lean();
}

/** Adds a group; `exists` when the unique index already holds a group of that name. */
export async function addGroup(name: string): Promise<StoredGroup | 'exists'> {
  try {
    const group = await GroupModel.create({ name });
    return { _id: group._id, name: group.name };
  } catch (error) {
    if (isDuplicateKey(error)) return 'exists';
    throw error;
  }
}

/** Deletes a group by its id (as the API was given it); the group deleted, or null when there was none. */
export async function deleteGroupById(id: string): Promise<StoredGroup | null> {
  return GroupModel.findByIdAndDelete(id).lean();
}

/** Which of these groups still exist, by id. */
export async function existingGroupIds(ids: Types.ObjectId[]): Promise<Set<string>> {
  const groups = await GroupModel.find({ _id: { $in: ids } }, { _id: 1 }).lean();
  return new Set(groups.map((group) => String(group._id)));
}
