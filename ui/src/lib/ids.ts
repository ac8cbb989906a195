/**
 * A short, display-only form of an identifier. Ids are UUIDv7 in the real app, whose
 * leading digits are a timestamp shared by ids created close together, so the tail
 * (random bits) is kept. Short ids (e.g. "u-olivia") are returned unchanged.
 */
export function shortId(id: string, keep = 8): string {
  return id.length <= keep + 2 ? id : `…${id.slice(-keep)}`;
}

/** Break opportunities after dots ("invitation.create" → ["invitation.", "create"]). */
export function dotParts(s: string): string[] {
  return s.split(/(?<=\.)/);
}
