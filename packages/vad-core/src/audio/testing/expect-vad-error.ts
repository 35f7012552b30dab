/** Test-only: assert a promise rejects with a VadError of the given code (and message fragment). */
import { VadError, type ErrorCode } from '@vadfleet/shared/errors';
import { expect } from 'vitest';

export async function expectVadError(promise: Promise<unknown>, code: ErrorCode, messagePart?: string | RegExp): Promise<VadError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(VadError);
  const vadError = err as VadError;
  expect(vadError.code, vadError.message).toBe(code);
  if (messagePart !== undefined) expect(vadError.message).toMatch(messagePart);
  return vadError;
}
