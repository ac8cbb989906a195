import type { AuditEventView } from "../lib/bindings/AuditEventView";
import type { BookingView } from "../lib/bindings/BookingView";
import type { CustomerView } from "../lib/bindings/CustomerView";
import type { MemberView } from "../lib/bindings/MemberView";
import type { OrderView } from "../lib/bindings/OrderView";
import type { ProductView } from "../lib/bindings/ProductView";
import type { RoleView } from "../lib/bindings/RoleView";
import type { SessionView } from "../lib/bindings/SessionView";
import type { TableView } from "../lib/bindings/TableView";
import type { PeriodView } from "../lib/bindings/PeriodView";
import type { WaitlistView } from "../lib/bindings/WaitlistView";
import type { VenueView } from "../lib/bindings/VenueView";
import { BUILTIN_ROLE_PERMISSIONS } from "../lib/permissions";
import { addDays, pad } from "../lib/time";

export const TZ = "Europe/London";

export const VENUES: VenueView[] = [
  { id: "v-harbour", name: "Harbour Bistro", timezone: TZ, capacity: 40, role_name: "owner" },
  { id: "v-quay", name: "Quayside Bar", timezone: TZ, capacity: 60, role_name: "owner" },
];

export const ROLES: RoleView[] = [
  ...(["owner", "manager", "front_desk", "kitchen"] as const).map((name, i) => ({
    id: `r-${name}`, name, builtin: true, permissions: [...BUILTIN_ROLE_PERMISSIONS[name]],
    require_mfa: name === "owner", version: 1 + i,
  })),
  { id: "r-host", name: "host", builtin: false, permissions: ["bookings:read", "customers:read"], require_mfa: false, version: 1 },
];

export const MEMBERS: MemberView[] = [
  { user_id: "u-olivia", email: "olivia@harbour.example", display_name: "Olivia Owner", role_id: "r-owner", role_name: "owner", mfa_enabled: true, joined_at: "2024-01-10T09:00:00Z", is_me: true },
  { user_id: "u-mark", email: "mark@harbour.example", display_name: "Mark Manager", role_id: "r-manager", role_name: "manager", mfa_enabled: false, joined_at: "2024-02-01T09:00:00Z", is_me: false },
  { user_id: "u-fran", email: "fran@harbour.example", display_name: "Fran Desk", role_id: "r-front_desk", role_name: "front_desk", mfa_enabled: false, joined_at: "2024-03-15T09:00:00Z", is_me: false },
  { user_id: "u-kai", email: "kai@harbour.example", display_name: "Kai Kitchen", role_id: "r-kitchen", role_name: "kitchen", mfa_enabled: false, joined_at: "2024-04-20T09:00:00Z", is_me: false },
];

export const PRODUCTS: ProductView[] = [
  { id: "p-soup", name: "Crab bisque", category: "Starters", price_cents: 850, currency: "GBP", available: true },
  { id: "p-fish", name: "Fish and chips", category: "Mains", price_cents: 1650, currency: "GBP", available: true },
  { id: "p-risotto", name: "Wild mushroom risotto", category: "Mains", price_cents: 1450, currency: "GBP", available: true },
  { id: "p-tart", name: "Lemon tart", category: "Desserts", price_cents: 700, currency: "GBP", available: true },
  { id: "p-ale", name: "Harbour ale", category: "Drinks", price_cents: 550, currency: "GBP", available: true },
];

export const CUSTOMERS: CustomerView[] = [
  { id: "c-1", name: "Amelia Hart", email: "amelia@example.com", phone: "+44 7700 900001", allergens: ["peanuts", "shellfish"], dietary_notes: "Severe peanut allergy", version: 1, pending: false },
  { id: "c-2", name: "Ben Okafor", email: "ben@example.com", phone: null, allergens: [], dietary_notes: null, version: 1, pending: false },
  { id: "c-3", name: "Chloe Martin", email: null, phone: "+44 7700 900003", allergens: ["gluten"], dietary_notes: "Coeliac", version: 2, pending: false },
  { id: "c-4", name: "Dev Patel", email: "dev@example.com", phone: null, allergens: ["dairy"], dietary_notes: null, version: 1, pending: false },
];

/** The demo floor: ten tables in two areas; neighbours push together. */
export const TABLES: TableView[] = [
  { id: "t-1", name: "T1", area: "Main room", seats_min: 1, seats_max: 2, combinable_with: ["t-2"] },
  { id: "t-2", name: "T2", area: "Main room", seats_min: 1, seats_max: 2, combinable_with: ["t-1"] },
  { id: "t-3", name: "T3", area: "Main room", seats_min: 2, seats_max: 4, combinable_with: ["t-4"] },
  { id: "t-4", name: "T4", area: "Main room", seats_min: 2, seats_max: 4, combinable_with: ["t-3"] },
  { id: "t-5", name: "T5", area: "Main room", seats_min: 4, seats_max: 6, combinable_with: [] },
  { id: "t-6", name: "T6", area: "Main room", seats_min: 6, seats_max: 8, combinable_with: [] },
  { id: "t-7", name: "P1", area: "Terrace", seats_min: 1, seats_max: 2, combinable_with: ["t-8"] },
  { id: "t-8", name: "P2", area: "Terrace", seats_min: 2, seats_max: 4, combinable_with: ["t-7"] },
  { id: "t-9", name: "P3", area: "Terrace", seats_min: 2, seats_max: 4, combinable_with: [] },
  { id: "t-10", name: "P4", area: "Terrace", seats_min: 4, seats_max: 6, combinable_with: [] },
];

/** Open 11:00 until 02:00 the next morning. */
export const PERIODS: PeriodView[] = [{ opens: "11:00", closes: "02:00", closes_next_day: true }];

/** A big venue for the virtualisation test and the benchmark: `tables` tables in three areas. */
export function bigTables(count: number): TableView[] {
  const areas = ["Main room", "Terrace", "Garden"];
  return Array.from({ length: count }, (_, i) => ({
    id: `t-${i + 1}`, name: `Table ${i + 1}`, area: areas[Math.min(areas.length - 1, Math.floor((i * areas.length) / count))],
    seats_min: 1, seats_max: 2 + (i % 4) * 2, combinable_with: [],
  }));
}

export function initialWaitlist(now: number = Date.now()): WaitlistView[] {
  return [
    { id: "w-1", guest_name: "Ruth Olsen", party_size: 3, phone: "+44 7700 900123", notes: "Pram",
      status: "waiting", created_at: new Date(now - 25 * 60_000).toISOString(), waited_minutes: 25, pending: false },
    { id: "w-2", guest_name: "Dev Shah", party_size: 2, phone: null, notes: null,
      status: "waiting", created_at: new Date(now - 10 * 60_000).toISOString(), waited_minutes: 10, pending: false },
  ];
}

const GUESTS = ["Amelia Hart", "Ben Okafor", "Chloe Martin", "Dev Patel", "Eve Jones", "Farah Ali", "George Smith", "Hana Sato", "Ivan Petrov", "Julia Rossi"];

/** Naive Europe/London → UTC: good enough for fixtures (BST between April and October). */
export function toUtc(date: string, time: string): string {
  const month = Number(date.slice(5, 7));
  const offset = month >= 4 && month <= 10 ? 1 : 0;
  const [h, m] = time.split(":").map(Number);
  const [y, mo, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h - offset, m)).toISOString().replace(".000Z", "Z");
}

export function makeBooking(
  id: string, date: string, time: string, guest: string, party: number, duration: number,
  status: BookingView["status"], extra: Partial<BookingView> = {},
): BookingView {
  const [h, m] = time.split(":").map(Number);
  const endMin = h * 60 + m + duration;
  const endDate = endMin >= 1440 ? addDays(date, 1) : date;
  const endTime = `${pad(Math.floor(endMin / 60) % 24)}:${pad(endMin % 60)}`;
  return {
    id, guest_name: guest, customer_id: null, party_size: party,
    starts_at: toUtc(date, time), ends_at: toUtc(endDate, endTime),
    local_date: date, local_time: time, duration_minutes: duration, status,
    notes: null, version: 1, pending: false, table_ids: [], source: "phone", ...extra,
  };
}

export function dayBookings(date: string, count: number): BookingView[] {
  const statuses: BookingView["status"][] = ["confirmed", "seated", "confirmed", "completed", "confirmed", "cancelled"];
  const out: BookingView[] = [];
  for (let i = 0; i < count; i++) {
    const slot = 12 * 4 + (i % 40); // 12:00 .. 21:45
    const time = `${pad(Math.floor(slot / 4))}:${pad((slot % 4) * 15)}`;
    out.push(makeBooking(`b-${date}-${i}`, date, time, GUESTS[i % GUESTS.length] + (i >= GUESTS.length ? ` ${i}` : ""),
      1 + (i % 6), 90, statuses[i % statuses.length],
      { table_ids: [TABLES[i % TABLES.length].id], source: i === 1 ? "walk_in" : "phone",
        ...(i === 0 ? { customer_id: "c-1", notes: "Window table, peanut allergy" } : {}) }));
  }
  return out;
}

/** `count` bookings spread over `tables` tables: one after another at each table from 11:00. */
export function bigFloorBookings(date: string, tables: TableView[], count: number): BookingView[] {
  const out: BookingView[] = [];
  for (let i = 0; i < count; i++) {
    const t = tables[i % tables.length];
    const start = 11 * 60 + Math.floor(i / tables.length) * 105;
    if (start + 90 > 24 * 60) break;
    const time = `${pad(Math.floor(start / 60))}:${pad(start % 60)}`;
    out.push(makeBooking(`b-${date}-f${i}`, date, time, `${GUESTS[i % GUESTS.length]} ${i}`,
      1 + (i % Math.max(1, t.seats_max)), 90, "confirmed", { table_ids: [t.id] }));
  }
  return out;
}

export function initialOrders(): OrderView[] {
  const mk = (i: number, status: OrderView["status"], items: [string, number][], table: string): OrderView => {
    const its = items.map(([pid, q]) => {
      const p = PRODUCTS.find((x) => x.id === pid)!;
      return { product_id: pid, name: p.name, quantity: q, unit_price_cents: p.price_cents, notes: null };
    });
    return {
      id: `o-${i}`, status, items: its, total_cents: its.reduce((s, x) => s + x.quantity * x.unit_price_cents, 0),
      currency: "GBP", booking_id: null, table_label: table, created_at: new Date(Date.now() - i * 300000).toISOString(),
      local_time: `18:${pad(i * 5)}`, version: 1, pending: false,
    };
  };
  return [
    mk(1, "received", [["p-soup", 2], ["p-fish", 2]], "Table 4"),
    mk(2, "received", [["p-risotto", 1]], "Table 7"),
    mk(3, "preparing", [["p-fish", 3], ["p-ale", 3]], "Table 2"),
    mk(4, "ready", [["p-tart", 2]], "Table 9"),
    mk(5, "served", [["p-ale", 1]], "Bar"),
  ];
}

export function auditEvents(count: number): AuditEventView[] {
  const actions = ["auth.sign_in", "booking.create", "booking.seat", "order.status", "member.invite", "customer.export", "role.update"];
  const out: AuditEventView[] = [];
  const start = Date.parse("2025-01-01T09:00:00Z");
  for (let i = 1; i <= count; i++) {
    const action = actions[i % actions.length];
    const system = i % 10 === 1; // some events are done by the platform itself
    out.push({
      seq: i, at: new Date(start + i * 3600_000).toISOString(), actor_type: system ? "system" : "user",
      actor_id: system ? null : MEMBERS[i % MEMBERS.length].user_id, action, target_type: action.split(".")[0],
      // UUIDv7-shaped like the real ids (long, shared leading digits)
      target_id: `0197a2c4-5e10-7a3b-9c2d-${String(i).padStart(12, "0")}`, details: JSON.stringify({ n: i }),
    });
  }
  return out.reverse();
}

export function initialSessions(): SessionView[] {
  return [
    { id: "s-1", device_name: "Front desk PC", created_at: "2025-05-01T08:00:00Z", last_used_at: new Date().toISOString(), ip: "192.0.2.10", current: true },
    { id: "s-2", device_name: "Olivia's laptop", created_at: "2025-04-20T08:00:00Z", last_used_at: "2025-05-02T20:00:00Z", ip: "198.51.100.7", current: false },
  ];
}

export const QR_SVG_DATA_URI =
  "data:image/svg+xml;base64," +
  btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 21 21"><rect width="21" height="21" fill="#fff"/><path d="M1 1h7v7H1zM13 1h7v7h-7zM1 13h7v7H1zM10 10h2v2h-2zM14 14h3v3h-3z" fill="#000"/></svg>');
