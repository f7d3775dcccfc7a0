/**
 * The errors of the edgelog HTTP and WebSocket API (PROTOCOL.md, Errors): every code with its
 * HTTP status, the JSON error body `{ "error": { "code", "message", ...fields } }`, and the
 * mapping between the core's error classes and their bodies in both directions. The server
 * encodes with {@linkcode logErrorFields} and {@linkcode encodeErrorBody}; clients decode
 * with {@linkcode readErrorBody} and {@linkcode logErrorFromFields}; the tail's error frame
 * is the same body.
 *
 * @example A core error across the wire and back
 * ```ts ignore
 * const body = encodeErrorBody("OUT_OF_RANGE", "Gone", logErrorFields(new OutOfRangeError(3)));
 * const read = readErrorBody(JSON.parse(body))!;
 * logErrorFromFields(read.code, read.fields); // OutOfRangeError with offset 3
 * ```
 *
 * @module
 */
import {
  ClosedError,
  ConflictError,
  FutureOffsetError,
  type LogError,
  type LogErrorCode,
  NotFoundError,
  OutOfRangeError,
  ProducerSeqGapError,
  RecordTooLargeError,
  StaleEpochError,
} from "../core/errors.ts";

/**
 * The HTTP-layer codes an edgelog server sends in its error bodies, each with its status:
 * the one table both sides use (the server picks statuses from it, the client knows these
 * codes and no others).
 */
export const SERVER_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  TOO_MANY_TAILS: 429,
  INTERNAL: 500,
  AUTH_NOT_CONFIGURED: 503,
  // Durable Streams (`/v1/stream/`): no such stream; created with other settings, a
  // content type or `Stream-Seq` that does not fit; closed; an offset behind retention.
  STREAM_NOT_FOUND: 404,
  STREAM_CONFLICT: 409,
  STREAM_CLOSED: 409,
  STREAM_GONE: 410,
} as const;

/** A code of {@linkcode SERVER_ERROR_STATUS}: an HTTP-layer error the server reports. */
export type ServerErrorCode = keyof typeof SERVER_ERROR_STATUS;

/** Every code of an error body: the core's and the HTTP layer's. */
export type ErrorCode = LogErrorCode | ServerErrorCode;

/**
 * The fields an error body carries beside `code` and `message`, so that a client can rebuild
 * the core's error class: `offset` (`FUTURE_OFFSET`, `OUT_OF_RANGE`), `position`
 * (`NOT_FOUND`, `CONFLICT`), `end` (`CONFLICT`, the log's end after the write that took the
 * position), `size` and `limit` (`RECORD_TOO_LARGE`), `expectedSeq` and `receivedSeq`
 * (`PRODUCER_SEQ_GAP`), `currentEpoch` and `epoch` (`STALE_EPOCH`).
 */
export interface ErrorFields {
  /** The offset asked for. */
  offset?: number | undefined;
  /** The position asked for, or the expected offset an append gave. */
  position?: number | undefined;
  /** The log's end when an expected offset was taken: where a retry can append. */
  end?: number | undefined;
  /** The record's size in bytes (or the bytes counted when a streamed body was cut off). */
  size?: number | undefined;
  /** The log's `maxRecordSize`. */
  limit?: number | undefined;
  /** The producer's next sequence number. */
  expectedSeq?: number | undefined;
  /** The sequence number a producer's write carried. */
  receivedSeq?: number | undefined;
  /** The producer's current epoch, above the write's. */
  currentEpoch?: number | undefined;
  /** The epoch a producer's write carried. */
  epoch?: number | undefined;
}

/** The names of {@linkcode ErrorFields}, in the order a body writes them. */
const FIELD_NAMES = [
  "offset",
  "position",
  "end",
  "size",
  "limit",
  "expectedSeq",
  "receivedSeq",
  "currentEpoch",
  "epoch",
] as const;

/** The core's error class of each code. */
type CoreError<C extends LogErrorCode> = Extract<
  | RecordTooLargeError
  | FutureOffsetError
  | OutOfRangeError
  | NotFoundError
  | ConflictError
  | ProducerSeqGapError
  | StaleEpochError
  | ClosedError,
  { code: C }
>;

/** How one core error crosses the wire: its status, its fields, and the way back. */
interface LogErrorWire<C extends LogErrorCode> {
  status: number;
  /** The fields the class carries. */
  fields(error: CoreError<C>): ErrorFields;
  /** The class again, or `undefined` when a field it needs is missing. */
  rebuild(fields: ErrorFields): CoreError<C> | undefined;
}

/** Each core error code's wire form: the one place that says which fields each carries. */
const LOG_ERRORS: { readonly [C in LogErrorCode]: LogErrorWire<C> } = {
  RECORD_TOO_LARGE: {
    status: 413,
    fields: (e) => ({ size: e.size, limit: e.limit }),
    rebuild: ({ size, limit }) =>
      size === undefined || limit === undefined ? undefined : new RecordTooLargeError(size, limit),
  },
  FUTURE_OFFSET: {
    status: 404,
    fields: (e) => ({ offset: e.offset }),
    rebuild: ({ offset }) => offset === undefined ? undefined : new FutureOffsetError(offset),
  },
  OUT_OF_RANGE: {
    status: 410,
    fields: (e) => ({ offset: e.offset }),
    rebuild: ({ offset }) => offset === undefined ? undefined : new OutOfRangeError(offset),
  },
  NOT_FOUND: {
    status: 404,
    fields: (e) => ({ position: e.position }),
    rebuild: ({ position }) => position === undefined ? undefined : new NotFoundError(position),
  },
  CONFLICT: {
    status: 409,
    fields: (e) => ({ position: e.position, end: e.end }),
    rebuild: ({ position, end }) =>
      position === undefined ? undefined : new ConflictError(position, end),
  },
  PRODUCER_SEQ_GAP: {
    status: 409,
    fields: (e) => ({ expectedSeq: e.expectedSeq, receivedSeq: e.receivedSeq }),
    rebuild: ({ expectedSeq, receivedSeq }) =>
      expectedSeq === undefined || receivedSeq === undefined
        ? undefined
        : new ProducerSeqGapError(expectedSeq, receivedSeq),
  },
  STALE_EPOCH: {
    status: 403,
    fields: (e) => ({ currentEpoch: e.currentEpoch, epoch: e.epoch }),
    rebuild: ({ currentEpoch, epoch }) =>
      currentEpoch === undefined || epoch === undefined
        ? undefined
        : new StaleEpochError(currentEpoch, epoch),
  },
  CLOSED: {
    status: 503,
    fields: () => ({}),
    rebuild: () => new ClosedError("remote log"),
  },
};

/**
 * The one table from error code to HTTP status: the core's codes and the HTTP layer's
 * ({@linkcode SERVER_ERROR_STATUS}).
 */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ...Object.fromEntries(Object.entries(LOG_ERRORS).map(([code, wire]) => [code, wire.status])),
  ...SERVER_ERROR_STATUS,
};

/**
 * Whether `code` is one of the core's error codes.
 *
 * @param code A code from an error body.
 * @returns `true` for a `LogErrorCode`.
 *
 * @example
 * ```ts ignore
 * isLogErrorCode("CONFLICT"); // true
 * ```
 */
export function isLogErrorCode(code: string): code is LogErrorCode {
  return Object.hasOwn(LOG_ERRORS, code);
}

/**
 * Whether `code` is one of the HTTP layer's codes ({@linkcode SERVER_ERROR_STATUS}).
 *
 * @param code A code from an error body.
 * @returns `true` for a `ServerErrorCode`.
 *
 * @example
 * ```ts ignore
 * isServerErrorCode("FORBIDDEN"); // true
 * ```
 */
export function isServerErrorCode(code: string): code is ServerErrorCode {
  return Object.hasOwn(SERVER_ERROR_STATUS, code);
}

/**
 * The fields a core error carries in its body.
 *
 * @param error The core's error.
 * @returns Its fields (none for `ClosedError`).
 *
 * @example
 * ```ts ignore
 * logErrorFields(new RecordTooLargeError(9, 8)); // { size: 9, limit: 8 }
 * ```
 */
export function logErrorFields(error: LogError): ErrorFields {
  const wire = LOG_ERRORS[error.code] as LogErrorWire<LogErrorCode> | undefined;
  return wire === undefined ? {} : wire.fields(error as CoreError<LogErrorCode>);
}

/**
 * The core error an error body stands for.
 *
 * @param code The body's code.
 * @param fields The body's fields.
 * @returns The core's error class, or `undefined` when `code` is not a core code or a field
 * the class needs is missing.
 *
 * @example
 * ```ts ignore
 * logErrorFromFields("FUTURE_OFFSET", { offset: 9 }); // FutureOffsetError, offset 9
 * ```
 */
export function logErrorFromFields(code: string, fields: ErrorFields): LogError | undefined {
  return isLogErrorCode(code) ? LOG_ERRORS[code].rebuild(fields) : undefined;
}

/**
 * The JSON text of an error body: `{"error":{"code","message",...fields}}`.
 *
 * @param code The code.
 * @param message One sentence for humans.
 * @param fields The fields of a core error, and `end` with a `CONFLICT`.
 * @returns The body.
 *
 * @example
 * ```ts ignore
 * encodeErrorBody("FORBIDDEN", "No"); // '{"error":{"code":"FORBIDDEN","message":"No"}}'
 * ```
 */
export function encodeErrorBody(
  code: ErrorCode,
  message: string,
  fields: ErrorFields = {},
): string {
  return JSON.stringify({ error: { code, message, ...fields } });
}

/** An error body as {@linkcode readErrorBody} finds it. */
export interface ReadErrorBody {
  /** The code: one of {@linkcode ErrorCode} from a server that speaks this protocol. */
  code: string;
  /** The message, never empty. */
  message: string;
  /** The fields that are safe integers. */
  fields: ErrorFields;
}

/**
 * Reads a parsed error body.
 *
 * @param body The parsed JSON.
 * @returns Its code, message and fields, or `undefined` when it is no error body (no
 * `error` object, or no string `code` or non-empty `message` in it).
 *
 * @example
 * ```ts ignore
 * readErrorBody({ error: { code: "CONFLICT", message: "Taken", position: 1, end: 2 } });
 * // { code: "CONFLICT", message: "Taken", fields: { position: 1, end: 2 } }
 * ```
 */
export function readErrorBody(body: unknown): ReadErrorBody | undefined {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = error?.code;
  const message = error?.message;
  if (typeof code !== "string" || typeof message !== "string" || message === "") return undefined;
  const fields: ErrorFields = {};
  for (const name of FIELD_NAMES) {
    const value = error![name];
    if (typeof value === "number" && Number.isSafeInteger(value)) fields[name] = value;
  }
  return { code, message, fields };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
