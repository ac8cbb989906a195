// Shared UI state: the current AppState, a notice for the sign-in screen, and a sync tick
// that screens watch to re-fetch after a sync.
import type { AppError } from "./bindings/AppError";
import type { AppState } from "./bindings/AppState";
import type { Code } from "./bindings/Code";
import { toAppError } from "./backend";

export const session = $state<{ state: AppState | null; notice: string | null; synced: number; alertsUnseen: number }>({
  state: null,
  notice: null,
  synced: 0,
  // Security › Alerts not yet looked at (the nav badge); 0 for roles without alerts.
  alertsUnseen: 0,
});

// Typed as Code (generated from Rust): a misspelt code fails `npm run check`.
const SIGNED_OUT_CODES: ReadonlySet<Code> = new Set<Code>([
  "session_revoked", "refresh_token_reused", "refresh_token_invalid", "not_signed_in",
]);

/** Human sentence for an AppError, with clearer wording for the codes staff meet most. */
export function describeError(err: AppError): string {
  switch (err.code) {
    case "invalid_credentials":
      return "The email or password is not correct.";
    case "locked_out":
      return "This account is temporarily locked after too many failed sign-ins. Wait a while, then try again, or ask an owner for help.";
    case "rate_limited":
      return "Too many attempts. Wait a minute before trying again.";
    case "session_revoked":
      return "Your session was ended (it was revoked, or you signed out elsewhere). Please sign in again.";
    case "refresh_token_reused":
      return "For your safety you have been signed out: this session was used from somewhere else. Please sign in again.";
    case "refresh_token_invalid":
      return "Your session expired. Please sign in again.";
    case "invalid_mfa_code":
      return "That code is not valid. Enter the 6-digit code from your authenticator app, or a recovery code.";
    case "offline":
      return `You are offline: ${err.message}`;
    case "last_owner":
      return "A venue always keeps at least one owner: make someone else owner first.";
    case "forbidden":
      return `Not allowed: ${err.message}`;
    default:
      return err.message || err.code;
  }
}

/** Normalise, and if the error means the session is gone, return to the sign-in screen. */
export function handleError(e: unknown): AppError {
  const err = toAppError(e);
  if (SIGNED_OUT_CODES.has(err.code) && session.state) {
    session.notice = describeError(err);
    session.state = { ...session.state, signed_in: false };
  }
  return err;
}
