// Roles of the built-in directory.
import type { components } from '../../generated/openapi.js';
import { conflict, notFound } from './errors.js';
import { canonicalName, NAME_LIMITS } from './names.js';
import { UniqueViolationError, type Database } from '../store/database.js';
import { attachments } from '../store/role-attachments.js';
import { roles } from '../store/roles.js';

type S = components['schemas'];

const toRole = (
  r: { id: number; name: string; description: string | null; created_at: string },
  userCount: number,
): S['Role'] => ({
  id: r.id,
  name: r.name,
  description: r.description,
  user_count: userCount,
  created_at: r.created_at,
});
export async function listRoles(db: Database, limit: number, offset: number) {
  const [rows, total] = await Promise.all([roles.page(db, limit, offset), roles.count(db)]);
  return { items: rows.map((r) => toRole(r, r.user_count)), total };
}

export async function createRole(db: Database, given: S['RoleCreate']): Promise<S['Role']> {
  const input = { ...given, name: canonicalName(given.name, NAME_LIMITS.role) };
  const taken = () => conflict('role_name_taken', `A role named '${input.name}' already exists.`, 'name');
  try {
    return await db.transaction(async (tx) => {
      if (await roles.nameTaken(tx, input.name.toLowerCase())) throw taken();
      const row = { name: input.name, description: input.description ?? null, created_at: new Date().toISOString() };
      return toRole({ id: await roles.insert(tx, row), ...row }, 0);
    });
  } catch (e) {
    if (e instanceof UniqueViolationError) throw taken();
    throw e;
  }
}

export async function deleteRole(db: Database, roleId: number): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await roles.byId(tx, roleId))) throw notFound('role_not_found', `Role ${roleId} was not found.`, 'role_id');
    const attached = await attachments.countForRole(tx, roleId);
    if (attached)
      throw conflict(
        'role_attached',
        `Role ${roleId} is attached to ${attached} access profile${attached === 1 ? '' : 's'}; detach it first.`,
        'role_id',
      );
    await roles.delete(tx, roleId);
  });
}
