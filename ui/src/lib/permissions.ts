export const ALL_PERMISSIONS = [
  "bookings:read", "bookings:write", "orders:read", "orders:write",
  "customers:read", "customers:write", "customers:erase",
  "products:read", "products:write", "members:read", "members:manage",
  "roles:manage", "audit:read", "audit:export", "settings:manage",
  "api_clients:manage", "webhooks:manage", "payments:manage",
] as const;
export type Permission = (typeof ALL_PERMISSIONS)[number];

export type ScreenId = "bookings" | "floor" | "orders" | "customers" | "team" | "audit" | "integrations" | "security" | "settings";

/** `needs`: the permission a screen needs, or a list of which any one will do. */
export const SCREENS: { id: ScreenId; label: string; needs: Permission | Permission[] | null }[] = [
  { id: "bookings", label: "Bookings", needs: "bookings:read" },
  { id: "floor", label: "Floor", needs: "bookings:read" },
  { id: "orders", label: "Orders", needs: "orders:read" },
  { id: "customers", label: "Customers", needs: "customers:read" },
  { id: "team", label: "Team", needs: "members:read" },
  { id: "audit", label: "Audit", needs: "audit:read" },
  { id: "integrations", label: "Integrations", needs: ["api_clients:manage", "webhooks:manage", "payments:manage"] },
  { id: "security", label: "Security", needs: null },
  // Appended last so that Alt+1 … Alt+8 keep their screens (Settings is Alt+9).
  { id: "settings", label: "Settings", needs: "settings:manage" },
];

export function can(perms: readonly string[] | undefined | null, p: Permission): boolean {
  return !!perms && perms.includes(p);
}

export function visibleScreens(perms: readonly string[]) {
  return SCREENS.filter((s) =>
    s.needs === null || (Array.isArray(s.needs) ? s.needs.some((p) => can(perms, p)) : can(perms, s.needs)));
}

/** Built-in roles (API.md "Built-in roles"); used by the mock backend and tests. */
export const BUILTIN_ROLE_PERMISSIONS: Record<"owner" | "manager" | "front_desk" | "kitchen", Permission[]> = {
  owner: [...ALL_PERMISSIONS],
  manager: [
    "bookings:read", "bookings:write", "orders:read", "orders:write",
    "customers:read", "customers:write", "customers:erase",
    "products:read", "products:write", "members:read", "audit:read", "audit:export",
  ],
  front_desk: [
    "bookings:read", "bookings:write", "customers:read", "customers:write", "orders:read", "products:read",
  ],
  kitchen: ["orders:read", "orders:write", "products:read"],
};
export type BuiltinRole = keyof typeof BUILTIN_ROLE_PERMISSIONS;
