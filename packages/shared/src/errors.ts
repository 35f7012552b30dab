/**
 * The one error vocabulary of vadfleet. Every code is defined here once with its HTTP status, whether a
 * job failing with it is worth retrying, and a default message a user can act on. The same code appears
 * in HTTP error bodies, failed jobs, CLI output and the error counter's `code` label.
 */
export const ERROR_CATALOGUE = {
  // Input audio
  EMPTY_AUDIO: { status: 422, retryable: false, message: 'The audio contains no samples.' },
  INVALID_AUDIO: { status: 422, retryable: false, message: 'The audio is corrupt or its header is inconsistent.' },
  UNSUPPORTED_FORMAT: { status: 415, retryable: false, message: 'The audio format is not supported.' },
  AUDIO_TOO_LONG: { status: 413, retryable: false, message: 'The audio is longer than the configured maximum duration.' },
  TOO_MANY_CHANNELS: { status: 422, retryable: false, message: 'The audio has more channels than the configured maximum.' },
  INVALID_PARAMS: { status: 400, retryable: false, message: 'A parameter is invalid.' },
  // Model
  MODEL_NOT_FOUND: { status: 503, retryable: false, message: 'The FSMN-VAD model files were not found. Run `npm run model:fetch` or set VAD_MODEL_DIR.' },
  MODEL_INVALID: { status: 503, retryable: false, message: 'The FSMN-VAD model files are corrupt. Run `npm run model:fetch` to download them again.' },
  PROVIDER_UNAVAILABLE: { status: 503, retryable: false, message: 'The requested execution provider cannot be loaded.' },
  // Requests
  BAD_REQUEST: { status: 400, retryable: false, message: 'The request is malformed.' },
  UNAUTHORIZED: { status: 401, retryable: false, message: 'A valid API key is required: send `Authorization: Bearer <key>`.' },
  FORBIDDEN: { status: 403, retryable: false, message: 'This API key may not access that resource.' },
  NOT_FOUND: { status: 404, retryable: false, message: 'No such resource.' },
  CONFLICT: { status: 409, retryable: false, message: 'The resource is not in a state that allows this operation.' },
  PAYLOAD_TOO_LARGE: { status: 413, retryable: false, message: 'The upload is larger than the configured maximum size.' },
  RATE_LIMITED: { status: 429, retryable: true, message: 'Too many requests for this API key; retry after the time given in Retry-After.' },
  BUCKET_NOT_ALLOWED: { status: 403, retryable: false, message: 'That S3 bucket is not in S3_ALLOWED_BUCKETS.' },
  WEBHOOK_NOT_ALLOWED: { status: 400, retryable: false, message: 'That webhook URL is not allowed.' },
  UPLOADS_BUSY: { status: 503, retryable: true, message: 'This API instance is receiving as many uploads as it may at once (MAX_CONCURRENT_UPLOADS); retry after the time given in Retry-After.' },
  RESULT_NOT_READY: { status: 409, retryable: false, message: 'The job has no result yet.' },
  // Jobs and infrastructure
  INPUT_NOT_FOUND: { status: 404, retryable: false, message: 'The input object does not exist in S3.' },
  JOB_CANCELLED: { status: 409, retryable: false, message: 'The job was cancelled.' },
  STORAGE_UNAVAILABLE: { status: 503, retryable: true, message: 'The object store is unavailable; try again later.' },
  QUEUE_UNAVAILABLE: { status: 503, retryable: true, message: 'The job queue is unavailable; try again later.' },
  WEBHOOK_DELIVERY_FAILED: { status: 502, retryable: true, message: 'The webhook target did not accept the delivery.' },
  TIMEOUT: { status: 504, retryable: true, message: 'The operation timed out.' },
  SERVICE_NOT_CONFIGURED: { status: 503, retryable: false, message: 'The service is not configured for this request; ask its operator.' },
  INTERNAL: { status: 500, retryable: true, message: 'An internal error occurred.' },
} as const satisfies Record<string, { status: number; retryable: boolean; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/**
 * Warnings: the run succeeded, with something the caller should know. They travel beside the result
 * (CLI lines, result JSON, job status, batch NDJSON/CSV) with the same stable codes everywhere.
 */
export const WARNING_CATALOGUE = {
  TRUNCATED_INPUT: { message: 'The input ends before its header says it does: what arrived was analysed.' },
} as const satisfies Record<string, { message: string }>;

export type WarningCode = keyof typeof WARNING_CATALOGUE;
export const WARNING_CODES = Object.keys(WARNING_CATALOGUE) as WarningCode[];

/** One warning. TRUNCATED_INPUT carries the length the header declared (when it declares one) and the length decoded. */
export interface WarningData {
  code: WarningCode;
  message: string;
  declaredMs?: number;
  decodedMs?: number;
}


export interface ErrorData {
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** A typed error carrying a stable code. `field` names the offending parameter for INVALID_PARAMS. */
export class VadError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;

  constructor(code: ErrorCode, message: string = ERROR_CATALOGUE[code].message, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VadError';
    this.code = code;
    this.field = options?.field;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }

  get retryable(): boolean {
    return ERROR_CATALOGUE[this.code].retryable;
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }

  /** Rebuilds an error from data received across a boundary; anything unrecognised becomes INTERNAL. */
  static fromData(data: unknown): VadError {
    if (data && typeof data === 'object') {
      const { code, message } = data as { code?: unknown; message?: unknown };
      if (isErrorCode(code)) return new VadError(code, typeof message === 'string' ? message : undefined);
    }
    return new VadError('INTERNAL');
  }
}

/** Normalises anything thrown into a VadError (unknown errors become INTERNAL, keeping the cause for logs). */
export function toVadError(err: unknown): VadError {
  if (err instanceof VadError) return err;
  if (err && typeof err === 'object' && isErrorCode((err as { code?: unknown }).code)) {
    const e = err as { code: ErrorCode; message?: string };
    return new VadError(e.code, e.message, { cause: err });
  }
  return new VadError('INTERNAL', ERROR_CATALOGUE.INTERNAL.message, { cause: err });
}
