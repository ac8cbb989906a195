import type { SyncStatus } from "./bindings/SyncStatus";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What the status bar says after "Sync now", from the SyncStatus the sync returned. */
export function syncOutcomeMessage(s: SyncStatus): string {
  const parts: string[] = [];
  if (!s.online) {
    parts.push("Offline: changes are kept on this computer and will sync when the platform is reachable.");
  } else if (s.pending > 0) {
    parts.push(`Synced, but ${plural(s.pending, "change is", "changes are")} still waiting to be sent.`);
  } else {
    parts.push("Synced.");
  }
  if (s.conflicts.length > 0) {
    parts.push(`${plural(s.conflicts.length, "change was", "changes were")} refused by the platform: use Resolve to retry or discard ${s.conflicts.length === 1 ? "it" : "them"}.`);
  }
  return parts.join(" ");
}
