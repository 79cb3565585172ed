// Attaching templates to roles: defaults for later joiners, copies for current members on request.
import type { components } from '../../generated/openapi.js';
import { notFound } from './errors.js';
import type { Database } from '../store/database.js';
import { attachments } from '../store/role-attachments.js';
import { roles } from '../store/roles.js';
import { audit, type Actor } from './audit.js';
import { activateInTransaction, lockTemplate } from './access-profiles.js';
import { provisionCopies } from './user-access-profiles.js';

type S = components['schemas'];
const BATCH = 500;

export async function attachRoles(
  db: Database,
  profileId: number,
  input: S['RoleAttachRequest'],
  who: Actor,
): Promise<{ roles: number; usersApplied: number }> {
  return db.transaction(async (tx) => {
    let template = await lockTemplate(tx, db, profileId);
    const known = await roles.existing(tx, input.role_ids);
    const unknown = input.role_ids.filter((r) => !known.has(r));
    if (unknown.length)
      throw notFound(
        'role_not_found',
        `Role${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'were' : 'was'} not found.`,
        'role_ids',
      );
    const at = new Date().toISOString();
    const isDefault = input.is_default ?? false;
    for (const roleId of input.role_ids) {
      if (isDefault) await attachments.clearDefault(tx, roleId);
      await attachments.upsert(tx, profileId, roleId, isDefault, at);
    }
    // A template is inactive until a role is attached: attaching the first one activates it.
    template = await activateInTransaction(tx, template, who, 'role attached');
    let usersApplied = 0;
    if (input.apply_to_existing) {
      for (let after = ''; ; ) {
        const members = await roles.membersAfter(tx, input.role_ids, after, BATCH);
        if (!members.length) break;
        after = members[members.length - 1]!.user_id;
        usersApplied += (
          await provisionCopies(
            tx,
            template,
            members.map((m) => m.user_id),
            who,
            { via: 'attach_role' },
          )
        ).length;
      }
    }
    await audit(tx, {
      profileId,
      who,
      change: {
        action: 'attach_role',
        previous: null,
        next: { role_ids: input.role_ids, is_default: isDefault, apply_to_existing: input.apply_to_existing ?? false },
      },
      extra: { users_applied: usersApplied },
    });
    return { roles: input.role_ids.length, usersApplied };
  });
}

export async function detachRole(db: Database, profileId: number, roleId: number, who: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    await lockTemplate(tx, db, profileId);
    const attachment = await attachments.get(tx, profileId, roleId);
    if (!attachment)
      throw notFound(
        'role_attachment_not_found',
        `Access profile ${profileId} is not attached to role ${roleId}.`,
        'role_id',
      );
    await attachments.delete(tx, profileId, roleId);
    await audit(tx, {
      profileId,
      who,
      change: {
        action: 'detach_role',
        previous: { role_id: roleId, is_default: attachment.is_default },
        next: null,
      },
    });
  });
}
