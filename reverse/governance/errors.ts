import { TrueupError } from "../../core/errors.js";

export class ApprovalError extends TrueupError {
  override readonly exitCode = 2;
}
