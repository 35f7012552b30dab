import { errorBodySchema } from '@vadfleet/shared/schemas';

/** The error responses a route documents: each status with the one error body. */
export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, errorBodySchema]));
