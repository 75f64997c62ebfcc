// The run lock is taken by the library (api/session.ts); the CLI's context says on stderr whom
// it waits for (CommandContext.onLockWait).
export { lockRun } from "../api/session.js";
