import { Types } from 'mongoose';
import { conflict, invalidInput, notFound } from '../platform/appError';
import { addGroup, deleteGroupById, findGroupsByName } from '../data/groupStore';
import { removeGroupFromUsers } from '../data/userWrites';

export interface GroupView {
  id: string;
  name: string;
}

const toView = (group: { _id: Types.ObjectId; name: string }): GroupView => ({ id: String(group._id), name: group.name });

export async function listGroups(): Promise<GroupView[]> {
  const groups = await findGroupsByName();
  return groups.map(toView);
}

export async function createGroup(input: unknown): Promise<GroupView> {
  const name = typeof (input as { name?: unknown })?.name === 'string' ? (input as { name: string }).name.trim() : '';
  if (!name) throw invalidInput('invalid_group', 'Give the group a name: {"name": "Marketing"}.');
  if (name.length > 100) throw invalidInput('invalid_group', 'A group name can be at most 100 characters long.');
  // CSV cells list groups separated by ";", so a name containing one could never be named.
  if (name.includes(';')) throw invalidInput('invalid_group', 'A group name cannot contain ";": CSV files use it to separate groups.');
  const group = await addGroup(name);
  if (group === 'exists') throw conflict('group_exists', `A group named "${name}" already exists.`);
  return toView(group);
}

/** Deleting a group also takes it off every user, so no user points at a group that is gone. */
export async function deleteGroup(id: string): Promise<void> {
  if (!Types.ObjectId.isValid(id)) throw notFound(`Group ${id}`);
  const deleted = await deleteGroupById(id);
  if (!deleted) throw notFound(`Group ${id}`);
  await removeGroupFromUsers(deleted._id);
}
