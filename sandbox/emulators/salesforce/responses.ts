import type { SandboxResponse } from "../interfaces.js";

/** Salesforce's error shapes: a REST error list, and one failed result of a collection call. */

type Rec = Record<string, unknown>;

export const MAX_COLLECTION = 200;

export function sfError(
  status: number,
  errorCode: string,
  message: string,
  extra: Rec = {},
): SandboxResponse {
  return { status, body: [{ message, errorCode, ...extra }] };
}

/** A collection call over 200 records is refused whole. */
export function tooManyRecords(): SandboxResponse {
  return sfError(
    400,
    "EXCEEDED_ID_LIMIT",
    `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
  );
}

export function sfFail(id: string | null, statusCode: string, message: string, fields: string[] = []) {
  return { id, success: false, errors: [{ statusCode, message, fields }] };
}
