#!/usr/bin/env node
// Entry of `npx access-profiles-contract`: runs the TypeScript CLI through the repo's tsx loader.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
