// Secrets (management keys, virtual keys): random values shown once, stored as SHA-256 hashes.
import { createHash, randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters drawn uniformly from ALPHABET (randomInt has no modulo bias). */
export function randomToken(length: number): string {
  return Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex'); // a string is hashed as UTF-8
}

export function newApiKeyValue(): { id: string; value: string; prefix: string } {
  const id = `key_${randomToken(12)}`;
  const value = `apk_${randomToken(40)}`;
  return { id, value, prefix: value.slice(0, 10) };
}

export function newVirtualKeyValue(): { id: string; value: string; prefix: string; masked: string } {
  const id = `vk_${randomToken(16)}`;
  const value = `sk-bf-${randomToken(40)}`;
  const prefix = value.slice(0, 12);
  return { id, value, prefix, masked: maskedValue(prefix) };
}

export function maskedValue(prefix: string): string {
  return `${prefix}…`;
}
