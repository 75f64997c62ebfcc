import { TrueupError } from "../../core/errors.js";

/** The circuit breaker blocks (unlike Hightouch/Census, which only alert). */
export class CircuitBreakerError extends TrueupError {}

export class ApprovalError extends TrueupError {
  override readonly exitCode = 2;
}
