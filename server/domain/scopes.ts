import type { components } from '../../generated/openapi.js';

export type Scope = components['schemas']['Scope'];

/** Every scope a key can carry; the first admin key holds them all. */
export const ALL_SCOPES: Scope[] = [
  'AccessProfiles:View',
  'AccessProfiles:Create',
  'AccessProfiles:Update',
  'AccessProfiles:Delete',
  'APIKeys:View',
  'APIKeys:Create',
  'APIKeys:Update',
  'APIKeys:Delete',
  'Roles:View',
  'Roles:Create',
  'Roles:Delete',
  'Users:View',
  'Users:Create',
  'Users:Update',
  'Users:Delete',
];
