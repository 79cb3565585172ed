// Users of the built-in directory. Joining a role provisions the copies of its default profiles.
import type { components } from '../../generated/openapi.js';
import { conflict, invalid } from './errors.js';
import { canonicalOptionalName, NAME_LIMITS } from './names.js';
import { UniqueViolationError, type Database, type Sql } from '../store/database.js';
import { attachments } from '../store/role-attachments.js';
import { copies } from '../store/user-access-profiles.js';
import { roles } from '../store/roles.js';
import { users, type UserRecord } from '../store/users.js';
import { profiles } from '../store/access-profiles.js';
import type { Actor } from './audit.js';
import { provisionCopies, removeCopy, requireUser, userNotFound } from './user-access-profiles.js';

type S = components['schemas'];

const toUser = (u: UserRecord, roleIds: number[]): S['User'] => ({
  id: u.id,
  name: u.name,
  email: u.email,
  role_ids: roleIds,
  created_at: u.created_at,
  updated_at: u.updated_at,
});

async function checkRoles(tx: Sql, roleIds: number[]): Promise<void> {
  const known = await roles.existing(tx, roleIds);
  const unknown = roleIds.map((id, i) => ({ id, i })).filter(({ id }) => !known.has(id));
  if (unknown.length)
    throw invalid(unknown.map(({ id, i }) => ({ param: `role_ids[${i}]`, message: `role ${id} does not exist` })));
}

/** Copies of the default profiles of roles the user has just joined; returns the template ids. */
async function provisionDefaults(tx: Sql, userId: string, joined: number[], who: Actor): Promise<number[]> {
  const provisioned: number[] = [];
  for (const profileId of await attachments.defaultsOf(tx, joined)) {
    const template = await profiles.byId(tx, profileId);
    if (
      template &&
      (await provisionCopies(tx, template, [userId], who, { via: 'role_default', role_ids: joined })).length
    )
      provisioned.push(profileId);
  }
  return provisioned;
}

export async function listUsers(db: Database, roleId: number | undefined, limit: number, offset: number) {
  const [rows, total] = await Promise.all([users.page(db, roleId, limit, offset), users.count(db, roleId)]);
  const roleIds = await users.roleIdsOf(
    db,
    rows.map((r) => r.id),
  );
  return { items: rows.map((r) => toUser(r, roleIds.get(r.id) ?? [])), total };
}

export async function getUser(db: Database, id: string): Promise<S['User']> {
  const user = await requireUser(db, id);
  return toUser(user, await users.roleIds(db, id));
}

export async function createUser(db: Database, given: S['UserCreate'], who: Actor) {
  const input = { ...given, name: canonicalOptionalName(given.name, NAME_LIMITS.user) };
  const exists = () => conflict('user_exists', `A user with id '${input.id}' already exists.`, 'id');
  try {
    return await db.transaction(async (tx) => {
      if (await users.byId(tx, input.id)) throw exists();
      const roleIds = input.role_ids ?? [];
      await checkRoles(tx, roleIds);
      const at = new Date().toISOString();
      const row: UserRecord = {
        id: input.id,
        name: input.name ?? null,
        email: input.email ?? null,
        created_at: at,
        updated_at: at,
      };
      await users.insert(tx, row);
      await users.setRoles(tx, input.id, roleIds);
      const provisioned = await provisionDefaults(tx, input.id, roleIds, who);
      return {
        user: toUser(
          row,
          [...roleIds].sort((a, b) => a - b),
        ),
        provisioned,
      };
    });
  } catch (e) {
    if (e instanceof UniqueViolationError) throw exists();
    throw e;
  }
}

export async function updateUser(db: Database, id: string, input: S['UserUpdate'], who: Actor) {
  return db.transaction(async (tx) => {
    const user = await users.byId(tx, id);
    if (!user) throw userNotFound(id);
    const before = await users.roleIds(tx, id);
    let roleIds = before;
    let provisioned: number[] = [];
    if (input.role_ids) {
      await checkRoles(tx, input.role_ids);
      roleIds = [...input.role_ids].sort((a, b) => a - b);
      await users.setRoles(tx, id, roleIds);
      provisioned = await provisionDefaults(
        tx,
        id,
        roleIds.filter((r) => !before.includes(r)),
        who,
      );
    }
    const next: UserRecord = {
      ...user,
      name: input.name === undefined ? user.name : canonicalOptionalName(input.name, NAME_LIMITS.user),
      email: input.email === undefined ? user.email : input.email,
      updated_at: new Date().toISOString(),
    };
    await users.update(tx, next);
    return { user: toUser(next, roleIds), provisioned };
  });
}

/** Deletes the user with every copy and virtual key they hold (each copy removal audited). */
export async function deleteUser(db: Database, id: string, who: Actor): Promise<{ copies: number; keys: number }> {
  return db.transaction(async (tx) => {
    await requireUser(tx, id);
    let keys = 0;
    const held = await copies.allOfUser(tx, id);
    for (const copy of held) keys += (await removeCopy(tx, copy, who)).length;
    await users.delete(tx, id);
    return { copies: held.length, keys };
  });
}
