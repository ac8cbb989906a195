// A stateful stand-in for the Rust side, answering every command of docs/desktop-ipc.md
// through @tauri-apps/api/mocks. Used by `npm run build:mock`, the a11y run and unit tests.
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type { AppError } from "../lib/bindings/AppError";
import type { ApiClientView } from "../lib/bindings/ApiClientView";
import type { AppState } from "../lib/bindings/AppState";
import type { AuditFilter } from "../lib/bindings/AuditFilter";
import type { BookingInput } from "../lib/bindings/BookingInput";
import type { BookingView } from "../lib/bindings/BookingView";
import type { Code } from "../lib/bindings/Code";
import type { CustomerInput } from "../lib/bindings/CustomerInput";
import type { CustomerView } from "../lib/bindings/CustomerView";
import type { DayView } from "../lib/bindings/DayView";
import type { DeliveryView } from "../lib/bindings/DeliveryView";
import type { PaymentSettingsView } from "../lib/bindings/PaymentSettingsView";
import type { PublicKeyView } from "../lib/bindings/PublicKeyView";
import type { WebhookView } from "../lib/bindings/WebhookView";
import type { AvailableTimeView } from "../lib/bindings/AvailableTimeView";
import type { BookingRulesView } from "../lib/bindings/BookingRulesView";
import type { FloorSettingsView } from "../lib/bindings/FloorSettingsView";
import type { FloorView } from "../lib/bindings/FloorView";
import type { HoursExceptionView } from "../lib/bindings/HoursExceptionView";
import type { TableInput } from "../lib/bindings/TableInput";
import type { WeeklyPeriodView } from "../lib/bindings/WeeklyPeriodView";
import type { TableView } from "../lib/bindings/TableView";
import type { WaitlistInput } from "../lib/bindings/WaitlistInput";
import type { WaitlistView } from "../lib/bindings/WaitlistView";
import type { WalkInInput } from "../lib/bindings/WalkInInput";
import type { MemberView } from "../lib/bindings/MemberView";
import type { OrderLineInput } from "../lib/bindings/OrderLineInput";
import type { OrderView } from "../lib/bindings/OrderView";
import type { RoleInput } from "../lib/bindings/RoleInput";
import type { RoleView } from "../lib/bindings/RoleView";
import type { Saved } from "../lib/bindings/Saved";
import type { SyncStatus } from "../lib/bindings/SyncStatus";
import { BUILTIN_ROLE_PERMISSIONS, type BuiltinRole } from "../lib/permissions";
import { addDays, pad, todayIn } from "../lib/time";
import {
  CUSTOMERS, MEMBERS, PERIODS, PRODUCTS, QR_SVG_DATA_URI, ROLES, TABLES, TZ, VENUES,
  auditEvents, bigFloorBookings, bigTables, dayBookings, initialOrders, initialSessions, initialWaitlist, makeBooking,
} from "./fixtures";

export type MockOptions = {
  signedOut?: boolean;
  /** number of bookings on today's date (default 14) */
  bookingsToday?: number;
  mfaOnSignIn?: boolean;
  conflicts?: boolean;
  /** how the (Rust-side) save dialog is answered: a file chosen (default) or cancelled */
  saveDialog?: "choose" | "cancel";
  /** integrations: the platform cannot be reached (lists come from the last read) */
  integrationsOffline?: boolean;
  /** Settings › Floor: the platform cannot be reached (the copy kept here; changes refused).
   *  The same happens while the mocked sync is offline. */
  settingsOffline?: boolean;
  /** a big floor: this many tables (default: the ten demo tables) … */
  floorTables?: number;
  /** … and this many bookings today spread over them (replaces bookingsToday) */
  floorBookings?: number;
  /** override or extend answers (return undefined to fall through) */
  override?: (cmd: string, args: Record<string, unknown>) => unknown;
};

export type MockBackend = {
  calls: { cmd: string; args: Record<string, unknown> }[];
  state: {
    orders: OrderView[]; bookings: Map<string, BookingView[]>; customers: CustomerView[]; sync: SyncStatus;
    waitlist: WaitlistView[]; tables: TableView[];
    hours: { weekly: WeeklyPeriodView[]; exceptions: HoursExceptionView[] }; rules: BookingRulesView;
  };
};

const fail = (code: Code, message: string): AppError => ({ code, message });
const CHECK_KEYS = new Set(["app_state", "sign_in", "complete_mfa", "sign_out", "save_text_file"]);
const WEBHOOK_EVENTS = [
  "booking.created",
  "booking.updated",
  "booking.status",
  "order.created",
  "order.status",
  "customer.erased",
  "security.alert",
];
const PERSON_ONLY = ["members:manage", "roles:manage", "api_clients:manage", "webhooks:manage", "payments:manage"];
const secret = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

export function installMockBackend(role: BuiltinRole = "owner", opts: MockOptions = {}): MockBackend {
  const today = todayIn(TZ);
  const venues = VENUES.map((v) => ({ ...v, role_name: role }));
  const permissions: string[] = [...BUILTIN_ROLE_PERMISSIONS[role]];
  let mfaEnabled = role === "owner";
  const state: AppState = {
    server: "https://api.venuedesk.example",
    signed_in: !opts.signedOut,
    email: opts.signedOut ? null : `${role}@harbour.example`,
    display_name: opts.signedOut ? null : role.replace("_", " "),
    mfa_enabled: mfaEnabled,
    venues: opts.signedOut ? [] : venues,
    venue: opts.signedOut ? null : venues[0],
    permissions: opts.signedOut ? [] : permissions,
  };
  const tables: TableView[] = opts.floorTables ? bigTables(opts.floorTables) : TABLES.map((t) => ({ ...t }));
  const bookings = new Map<string, BookingView[]>([[today, opts.floorBookings !== undefined
    ? bigFloorBookings(today, tables, opts.floorBookings)
    : dayBookings(today, opts.bookingsToday ?? 14)]]);
  const waitlist: WaitlistView[] = initialWaitlist();
  let orders = initialOrders();
  let customers = CUSTOMERS.map((c) => ({ ...c, allergens: [...c.allergens] }));
  let members: MemberView[] = MEMBERS.map((m) => ({ ...m }));
  let roles: RoleView[] = ROLES.map((r) => ({ ...r, permissions: [...r.permissions] }));
  let sessions = initialSessions();
  let alertsSeenAt = "";
  const alerts = [
    { id: "al-2", kind: "audit_exported", title: "Audit trail exported", summary: "The audit trail was exported",
      at: "2026-12-02T21:40:00.000Z", last_at: "2026-12-02T21:44:00.000Z", count: 3, audit_seq: 88 },
    { id: "al-1", kind: "lockout", title: "Account locked out", summary: "A team member's account was locked after repeated failed sign-ins",
      at: "2026-12-01T08:05:00.000Z", last_at: "2026-12-01T08:05:00.000Z", count: 1, audit_seq: null },
  ];
  const integrationsReadAt = new Date(Date.now() - 3_600_000).toISOString();
  let apiClients: ApiClientView[] = [{
    id: "ac-1", client_id: "ac-1", name: "Till in the bar", permissions: ["orders:read", "orders:write"],
    created_at: "2026-11-20T10:00:00.000Z", previous_secret_expires_at: null,
  }];
  let publicKeys: PublicKeyView[] = [{
    id: "pk-1", key_prefix: "pk_live_3mQ9", allowed_origins: ["https://harbourbistro.example"], created_at: "2026-11-21T09:30:00.000Z",
  }];
  let webhooks: WebhookView[] = [{
    id: "wh-1", url: "https://hooks.harbourbistro.example/venuedesk", events: ["booking.created", "order.created"],
    enabled: true, created_at: "2026-11-22T12:00:00.000Z", previous_secret_expires_at: null,
  }];
  const deliveries = new Map<string, DeliveryView[]>([["wh-1", [
    { id: "d-2", event_id: "e-2", event: "order.created", attempt: 2, status: "pending", status_code: 503,
      at: new Date(Date.now() - 60_000).toISOString(), next_at: new Date(Date.now() + 240_000).toISOString() },
    { id: "d-1", event_id: "e-1", event: "booking.created", attempt: 1, status: "delivered", status_code: 200,
      at: new Date(Date.now() - 600_000).toISOString(), next_at: null },
  ]]]);
  let payments: PaymentSettingsView = { configured: false, provider: null, updated_at: null };
  const offlineChange = () => fail("offline", "Integrations change only on the platform, and it could not be reached or did not answer. Refresh once it is back: if the change is not listed, nothing was changed.");
  const integrationWrite = (p: string) => {
    need(p);
    if (opts.integrationsOffline) throw offlineChange();
  };
  const audit = auditEvents(180);
  const sync: SyncStatus = {
    online: true, pending: 0, last_sync: new Date(Date.now() - 60_000).toISOString(), syncing: false,
    conflicts: opts.conflicts
      ? [
          { seq: 7, entity: "booking", entity_id: "b-x1", code: "capacity_exceeded", message: "The venue is full at 19:30.", summary: "New booking: Farah Ali, 6 at 19:30", mine: null, theirs: null },
          { seq: 9, entity: "order", entity_id: "o-x2", code: "version_mismatch", message: "Someone else changed this order.", summary: "Order Table 3 → ready", mine: null, theirs: null },
          { seq: 11, entity: "booking", entity_id: "b-x3", code: "version_mismatch", message: "Someone else changed this booking.", summary: "Edit: Gil Moss, 4 at 20:30",
            mine: makeBooking("b-x3", today, "20:30", "Gil Moss", 4, 90, "confirmed", { pending: true, notes: "window" }),
            theirs: makeBooking("b-x3", today, "19:00", "Gil Moss", 6, 90, "confirmed", { version: 2, notes: "window" }) },
        ]
      : [],
  };
  // Settings › Floor: the same tables as the floor; open 11:00–02:00 every day, one evening
  // a fortnight ahead 18:00–23:00.
  const hours = {
    weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: PERIODS[0].opens, closes: PERIODS[0].closes })),
    exceptions: [{ date: addDays(today, 14), closed: false, opens: "18:00", closes: "23:00" }] as HoursExceptionView[],
  };
  const rules: BookingRulesView = {
    slot_minutes: 15,
    default_duration_minutes: [{ party_size_from: 1, minutes: 90 }, { party_size_from: 5, minutes: 120 }],
    min_notice_minutes: 60, max_advance_days: 90, turnover_minutes: 15,
  };
  const settingsOffline = () => !!opts.settingsOffline || !sync.online;
  const settingsWrite = () => {
    need("settings:manage");
    if (settingsOffline()) {
      throw fail("offline", "Floor settings change only on the platform, and it could not be reached or did not answer. Refresh once it is back: if the change is not shown, nothing was changed.");
    }
  };
  const backend: MockBackend = { calls: [], state: { orders, bookings, customers, sync, waitlist, tables, hours, rules } };
  let nextId = 1000;
  const uid = (p: string) => `${p}-${nextId++}`;
  const need = (p: string) => {
    if (!permissions.includes(p)) throw fail("forbidden", `Your role cannot do this (needs ${p}).`);
  };
  // Like the Rust side: the command opens the save dialog itself, proposing a file name;
  // the person picks a folder, or cancels and nothing is written.
  const saveAs = <T>(fileName: string, written: (path: string) => T): Saved<T> =>
    opts.saveDialog === "cancel" ? { kind: "cancelled" } : { kind: "saved", value: written(`/home/staff/Documents/${fileName}`) };
  const snapshot = () => JSON.parse(JSON.stringify({ ...sync, pending: sync.pending, conflicts: sync.conflicts })) as SyncStatus;

  function day(date: string | null, search: string | null): DayView {
    const d = date ?? today;
    let list = bookings.get(d) ?? [];
    const slots = [];
    for (let m = 10 * 60; m < 24 * 60; m += 15) {
      let covers = 0;
      for (const b of list) {
        if (b.status !== "confirmed" && b.status !== "seated") continue;
        const [h, mm] = b.local_time.split(":").map(Number);
        const s = h * 60 + mm;
        if (s <= m && m < s + b.duration_minutes) covers += b.party_size;
      }
      slots.push({ time: `${pad(Math.floor(m / 60))}:${pad(m % 60)}`, covers });
    }
    if (search) list = list.filter((b) => b.guest_name.toLowerCase().includes(search.toLowerCase()));
    list = [...list].sort((a, b) => a.local_time.localeCompare(b.local_time));
    return { date: d, timezone: TZ, capacity: state.venue?.capacity ?? 40, bookings: list, slots };
  }
  function findBooking(id: string): BookingView {
    for (const list of bookings.values()) {
      const b = list.find((x) => x.id === id);
      if (b) return b;
    }
    throw fail("not_found", "That booking no longer exists.");
  }
  function validateBooking(input: BookingInput) {
    if (!input.guest_name.trim()) throw fail("validation_failed", "Guest name is required.");
    if (input.party_size < 1 || input.party_size > 100) throw fail("validation_failed", "Party size must be 1 to 100.");
  }
  // --- floor: tables × time, free times, waitlist, walk-ins -------------------------------
  const DURATION = 90;
  const mins = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const hhmm = (m: number) => `${pad(Math.floor(m / 60) % 24)}:${pad(m % 60)}`;
  const holds = (b: BookingView) => b.status === "confirmed" || b.status === "seated";
  function localNow(): { date: string; minutes: number } {
    const p: Record<string, string> = {};
    const fmt = new Intl.DateTimeFormat("en-GB", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    for (const x of fmt.formatToParts(new Date())) p[x.type] = x.value;
    return { date: todayIn(TZ), minutes: Number(p.hour) * 60 + Number(p.minute) };
  }
  function isFree(tableId: string, date: string, start: number, duration: number, exceptId: string | null = null): boolean {
    return !(bookings.get(date) ?? []).some((b) => b.id !== exceptId && holds(b) && b.table_ids.includes(tableId) &&
      mins(b.local_time) < start + duration && start < mins(b.local_time) + b.duration_minutes);
  }
  /** The smallest free fit: one table, else two that push together. */
  function pickTables(date: string, start: number, duration: number, party: number): TableView[] | null {
    const free = tables.filter((t) => isFree(t.id, date, start, duration));
    const single = free.filter((t) => t.seats_max >= party).sort((x, y) => x.seats_max - y.seats_max)[0];
    if (single) return [single];
    const pairs: TableView[][] = [];
    for (const t of free) for (const o of free) if (t.id < o.id && t.combinable_with.includes(o.id)) pairs.push([t, o]);
    return pairs.filter((p) => p[0].seats_max + p[1].seats_max >= party)
      .sort((x, y) => x[0].seats_max + x[1].seats_max - y[0].seats_max - y[1].seats_max)[0] ?? null;
  }
  const openWaitlist = () => waitlist.filter((w) => w.status === "waiting" || w.status === "offered")
    .map((w) => ({ ...w, waited_minutes: Math.max(0, Math.floor((Date.now() - Date.parse(w.created_at)) / 60_000)) }));
  function seatNow(guest: string, party: number, tableIds: string[]): BookingView {
    const now = localNow();
    const ids = tableIds.length > 0 ? tableIds : pickTables(now.date, now.minutes, DURATION, party)?.map((t) => t.id);
    if (!ids) throw fail("table_unavailable", `No free table for ${party} right now.`);
    const b = makeBooking(uid("b"), now.date, hhmm(now.minutes), guest, party, DURATION, "seated",
      { table_ids: ids, source: "walk_in", pending: !sync.online });
    if (!sync.online) sync.pending += 1;
    bookings.set(now.date, [...(bookings.get(now.date) ?? []), b]);
    return b;
  }
  function floor(date: string | null): FloorView {
    const d = date ?? today;
    const closes = mins(PERIODS[0].closes);
    const list = [
      ...(bookings.get(d) ?? []),
      ...(bookings.get(addDays(d, 1)) ?? []).filter((b) => mins(b.local_time) < closes),
    ].filter((b) => b.status !== "cancelled" && b.status !== "no_show");
    return structuredClone({ date: d, timezone: TZ, tables, bookings: list, periods: PERIODS, now: new Date().toISOString(), turnover_minutes: rules.turnover_minutes });
  }

  const ACTIONS: Record<string, [BookingView["status"][], BookingView["status"]]> = {
    seat: [["confirmed"], "seated"],
    complete: [["seated"], "completed"],
    cancel: [["confirmed"], "cancelled"],
    "no-show": [["confirmed"], "no_show"],
  };

  async function handle(cmd: string, a: Record<string, unknown>): Promise<unknown> {
    if (!state.signed_in && !CHECK_KEYS.has(cmd)) throw fail("not_signed_in", "Please sign in first.");
    switch (cmd) {
      case "app_state": return structuredClone(state);
      case "sign_in": {
        const email = String(a.email);
        if (email.startsWith("locked")) throw fail("locked_out", "Account locked for 15 minutes.");
        if (email.startsWith("slow")) throw fail("rate_limited", "Too many requests.");
        if (a.password !== "correct horse") throw fail("invalid_credentials", "Wrong email or password.");
        if (opts.mfaOnSignIn || email.startsWith("mfa")) return { kind: "mfa_required", methods: ["totp", "recovery_code"] };
        signInAs(email, String(a.server));
        return { kind: "signed_in", state: structuredClone(state) };
      }
      case "complete_mfa": {
        if (!/^\d{6}$/.test(String(a.code)) && !/^[a-z0-9]{4}-[a-z0-9]{4}$/i.test(String(a.code))) throw fail("invalid_mfa_code", "Invalid code.");
        signInAs(`${role}@harbour.example`, state.server ?? "");
        return structuredClone(state);
      }
      case "sign_out":
        Object.assign(state, { signed_in: false, email: null, display_name: null, venues: [], venue: null, permissions: [] });
        return null;
      case "select_venue": {
        const v = venues.find((x) => x.id === a.venueId);
        if (!v) throw fail("no_venue", "No such venue.");
        state.venue = v;
        return structuredClone(state);
      }
      case "sync_status": return snapshot();
      case "sync_now": {
        if (!sync.online) {
          // like the real app: nothing leaves the computer, the queue is kept
          await new Promise((r) => setTimeout(r, 120));
          return snapshot();
        }
        sync.syncing = true;
        const total = Math.max(sync.pending, 3);
        for (let i = 1; i <= total; i++) {
          await new Promise((r) => setTimeout(r, 120));
          await emit("progress", { task: "sync", done: i, total });
        }
        sync.syncing = false;
        sync.pending = 0;
        sync.last_sync = new Date().toISOString();
        for (const list of bookings.values()) for (const b of list) b.pending = false;
        for (const o of orders) o.pending = false;
        for (const c of customers) c.pending = false;
        for (const w of waitlist) w.pending = false;
        return snapshot();
      }
      case "resolve_conflict":
        sync.conflicts = sync.conflicts.filter((c) => c.seq !== a.seq);
        if (a.action === "retry") sync.pending += 1;
        return snapshot();
      case "day_view": need("bookings:read"); return day((a.date as string | null) ?? null, (a.search as string | null) ?? null);
      case "create_booking": {
        need("bookings:write");
        const input = a.input as BookingInput;
        validateBooking(input);
        const b = makeBooking(uid("b"), input.date, input.time, input.guest_name, input.party_size, input.duration_minutes, "confirmed",
          { notes: input.notes, customer_id: input.customer_id, pending: !sync.online });
        if (!sync.online) sync.pending += 1;
        bookings.set(input.date, [...(bookings.get(input.date) ?? []), b]);
        return b;
      }
      case "update_booking": {
        need("bookings:write");
        // Like the Rust side: applied here, queued with the version it was made on.
        const input = a.input as BookingInput;
        validateBooking(input);
        const old = findBooking(String(a.id));
        const b = makeBooking(old.id, input.date, input.time, input.guest_name, input.party_size, input.duration_minutes, old.status,
          { notes: input.notes, customer_id: input.customer_id, version: old.version, pending: true });
        sync.pending += 1;
        bookings.set(old.local_date, (bookings.get(old.local_date) ?? []).filter((x) => x.id !== old.id));
        bookings.set(input.date, [...(bookings.get(input.date) ?? []), b]);
        return b;
      }
      case "booking_action": {
        need("bookings:write");
        const b = findBooking(String(a.id));
        const rule = ACTIONS[String(a.action)];
        if (!rule || !rule[0].includes(b.status)) throw fail("invalid_transition", `A ${b.status} booking cannot be ${a.action}.`);
        b.status = rule[1];
        b.version += 1;
        return { ...b };
      }
      case "floor_view": need("bookings:read"); return floor((a.date as string | null) ?? null);
      case "availability": {
        need("bookings:read");
        const date = String(a.date);
        const party = Number(a.partySize);
        if (!Number.isInteger(party) || party < 1 || party > 100) throw fail("validation_failed", "Party size must be 1 to 100.");
        const times: AvailableTimeView[] = [];
        for (let m = mins(PERIODS[0].opens); m < 24 * 60; m += 15) {
          const fit = pickTables(date, m, DURATION, party);
          if (fit) times.push({ time: hhmm(m), table_ids: fit.map((t) => t.id), table_names: fit.map((t) => t.name) });
        }
        return { date, party_size: party, duration_minutes: DURATION, estimate: !sync.online, times };
      }
      case "waitlist": need("bookings:read"); return openWaitlist();
      case "add_to_waitlist": {
        need("bookings:write");
        const input = a.input as WaitlistInput;
        if (!input.guest_name.trim()) throw fail("validation_failed", "Name is required.");
        if (input.party_size < 1 || input.party_size > 100) throw fail("validation_failed", "Party size must be 1 to 100.");
        const w: WaitlistView = { id: uid("w"), guest_name: input.guest_name.trim(), party_size: input.party_size, phone: input.phone,
          notes: input.notes, status: "waiting", created_at: new Date().toISOString(), waited_minutes: 0, pending: !sync.online };
        if (!sync.online) sync.pending += 1;
        waitlist.push(w);
        return { ...w };
      }
      case "waitlist_step": {
        need("bookings:write");
        const w = waitlist.find((x) => x.id === a.id && (x.status === "waiting" || x.status === "offered"));
        if (!w) throw fail("not_found", "That party is no longer waiting.");
        if (a.step === "seat") seatNow(w.guest_name, w.party_size, (a.tableIds as string[]) ?? []);
        else if (!sync.online) sync.pending += 1;
        w.status = a.step === "offer" ? "offered" : a.step === "seat" ? "seated" : "removed";
        w.pending = !sync.online;
        return { ...w };
      }
      case "walk_in": {
        need("bookings:write");
        const input = a.input as WalkInInput;
        if (!input.guest_name.trim()) throw fail("validation_failed", "Name is required.");
        if (input.party_size < 1 || input.party_size > 100) throw fail("validation_failed", "Party size must be 1 to 100.");
        return seatNow(input.guest_name.trim(), input.party_size, input.table_ids);
      }
      case "move_booking": {
        need("bookings:write");
        const old = findBooking(String(a.id));
        if (!holds(old)) throw fail("invalid_transition", `A ${old.status} booking cannot be moved.`);
        const time = (a.time as string | null) ?? old.local_time;
        const ids = (a.tableIds as string[] | null) ?? old.table_ids;
        for (const id of ids) {
          const t = tables.find((x) => x.id === id);
          if (!t) throw fail("not_found", "No such table.");
          if (!isFree(id, old.local_date, mins(time), old.duration_minutes, old.id))
            throw fail("table_unavailable", `${t.name} is taken at ${time}.`);
        }
        const b = makeBooking(old.id, old.local_date, time, old.guest_name, old.party_size, old.duration_minutes, old.status,
          { notes: old.notes, customer_id: old.customer_id, version: old.version, source: old.source, table_ids: [...ids], pending: true });
        sync.pending += 1;
        bookings.set(old.local_date, (bookings.get(old.local_date) ?? []).map((x) => (x.id === old.id ? b : x)));
        return { ...b };
      }
      case "list_orders": need("orders:read"); return structuredClone(orders);
      case "create_order": {
        need("orders:write");
        const items = (a.items as OrderLineInput[]).map((it) => {
          const p = PRODUCTS.find((x) => x.id === it.product_id);
          if (!p) throw fail("validation_failed", "Unknown product.");
          return { product_id: p.id, name: p.name, quantity: it.quantity, unit_price_cents: p.price_cents, notes: it.notes };
        });
        const o: OrderView = { id: uid("o"), status: "received", items, total_cents: items.reduce((s, x) => s + x.quantity * x.unit_price_cents, 0),
          currency: "GBP", booking_id: null, table_label: (a.tableLabel as string | null) ?? null, created_at: new Date().toISOString(),
          local_time: "19:00", version: 1, pending: false };
        orders = [...orders, o];
        backend.state.orders = orders;
        return o;
      }
      case "set_order_status": {
        need("orders:write");
        const o = orders.find((x) => x.id === a.id);
        if (!o) throw fail("not_found", "No such order.");
        const order = ["received", "preparing", "ready", "served"];
        if (a.status !== "cancelled" && order.indexOf(String(a.status)) !== order.indexOf(o.status) + 1)
          throw fail("invalid_transition", `An order that is ${o.status} cannot become ${a.status}.`);
        o.status = a.status as OrderView["status"];
        o.version += 1;
        return { ...o };
      }
      case "list_products": need("products:read"); return structuredClone(PRODUCTS);
      case "list_customers": {
        need("customers:read");
        const s = ((a.search as string | null) ?? "").toLowerCase();
        return structuredClone(customers.filter((c) => !s || c.name.toLowerCase().includes(s) || (c.email ?? "").includes(s)));
      }
      case "create_customer": {
        need("customers:write");
        const input = a.input as CustomerInput;
        if (!input.name.trim()) throw fail("validation_failed", "Name is required.");
        const c: CustomerView = { id: uid("c"), ...input, version: 1, pending: !sync.online };
        customers = [...customers, c];
        backend.state.customers = customers;
        return c;
      }
      case "export_customer": need("customers:read"); return saveAs(`customer-${String(a.id)}.json`, (path) => path);
      case "erase_customer":
        need("customers:erase");
        customers = customers.filter((c) => c.id !== a.id);
        backend.state.customers = customers;
        return null;
      case "list_members": need("members:read"); return structuredClone(members);
      case "list_roles": need("members:read"); return structuredClone(roles);
      case "invite_member": {
        need("members:manage");
        return { id: uid("inv"), token: "vd_inv_7Q2mX9kPz4", expires_at: new Date(Date.now() + 7 * 86400_000).toISOString(), email: String(a.email) };
      }
      case "set_member_role": {
        need("members:manage");
        const m = members.find((x) => x.user_id === a.userId);
        const r = roles.find((x) => x.id === a.roleId);
        if (!m || !r) throw fail("not_found", "No such member or role.");
        const owners = members.filter((x) => x.role_id === "r-owner");
        if (m.role_id === "r-owner" && r.id !== "r-owner" && owners.length === 1) throw fail("last_owner", "Refused: last owner.");
        m.role_id = r.id;
        m.role_name = r.name;
        return { ...m };
      }
      case "remove_member": {
        need("members:manage");
        const m = members.find((x) => x.user_id === a.userId);
        if (m && m.role_id === "r-owner" && members.filter((x) => x.role_id === "r-owner").length === 1) throw fail("last_owner", "Refused: last owner.");
        members = members.filter((x) => x.user_id !== a.userId);
        return null;
      }
      case "save_role": {
        need("roles:manage");
        const input = a.input as RoleInput;
        if (a.id) {
          const r = roles.find((x) => x.id === a.id);
          if (!r) throw fail("not_found", "No such role.");
          if (r.builtin && (input.name !== r.name || [...input.permissions].sort().join() !== [...r.permissions].sort().join()))
            throw fail("validation_failed", "Built-in roles keep their name and permissions.");
          Object.assign(r, { ...input, version: r.version + 1 });
          return { ...r };
        }
        const r: RoleView = { id: uid("r"), builtin: false, version: 1, ...input };
        roles = [...roles, r];
        return r;
      }
      case "delete_role": need("roles:manage"); roles = roles.filter((r) => r.id !== a.id || r.builtin); return null;
      case "audit_page": {
        need("audit:read");
        const f = a.filter as AuditFilter;
        const items = filterAudit(f);
        const start = a.cursor ? Number(a.cursor) : 0;
        const page = items.slice(start, start + 50);
        return { items: page, next_cursor: start + 50 < items.length ? String(start + 50) : null };
      }
      case "export_audit": {
        need("audit:export");
        const f = a.filter as AuditFilter;
        const saved = saveAs(`audit-${f.from ?? "all"}-${f.to ?? "now"}.${String(a.format)}`, (path) => path);
        if (saved.kind === "cancelled") return saved;
        const items = filterAudit(f);
        const total = 4;
        for (let i = 1; i <= total; i++) {
          await new Promise((r) => setTimeout(r, 100));
          await emit("progress", { task: "export", done: i, total });
        }
        return { kind: "saved", value: { path: saved.value, events: items.length, verified: true, message: "Hash chain intact." } };
      }
      case "totp_begin":
        if (!a.password) throw fail("invalid_credentials", "Password is wrong.");
        return { secret: "JBSWY3DPEHPK3PXP", otpauth_uri: "otpauth://totp/Venuedesk:owner?secret=JBSWY3DPEHPK3PXP", qr_svg_data_uri: QR_SVG_DATA_URI };
      case "totp_confirm":
        if (!/^\d{6}$/.test(String(a.code))) throw fail("invalid_mfa_code", "Invalid code.");
        mfaEnabled = true;
        state.mfa_enabled = true;
        return Array.from({ length: 10 }, (_, i) => `r${i}x7-k${i}p2`);
      case "totp_disable":
        if (!/^\d{6}$/.test(String(a.code))) throw fail("invalid_mfa_code", "Invalid code.");
        mfaEnabled = false;
        state.mfa_enabled = false;
        return null;
      case "list_sessions": return structuredClone(sessions);
      case "security_alerts": {
        if (!permissions.includes("settings:manage")) return { items: null, unseen: 0, read_at: null, offline: false };
        const items = alerts.map((x) => ({ ...x, unseen: x.last_at > alertsSeenAt }));
        return { items, unseen: items.filter((x) => x.unseen).length, read_at: new Date().toISOString(), offline: false };
      }
      case "mark_alerts_seen":
        alertsSeenAt = alerts.map((x) => x.last_at).sort().at(-1) ?? "";
        return null;
      case "revoke_session": sessions = sessions.filter((s) => s.id !== a.id); return null;
      case "change_password":
        if (a.current !== "correct horse") throw fail("invalid_credentials", "Current password is wrong.");
        return null;
      case "save_text_file": return saveAs("venuedesk-recovery-codes.txt", (path) => path);
      case "integrations": {
        const may = (p: string) => permissions.includes(p);
        return structuredClone({
          api_clients: may("api_clients:manage") ? apiClients : null,
          public_keys: may("api_clients:manage") ? publicKeys : null,
          webhooks: may("webhooks:manage") ? webhooks : null,
          payments: may("payments:manage") ? payments : null,
          read_at: opts.integrationsOffline ? integrationsReadAt : new Date().toISOString(),
          offline: !!opts.integrationsOffline,
          webhook_events: WEBHOOK_EVENTS,
          client_permissions: permissions.filter((p) => !PERSON_ONLY.includes(p)),
        });
      }
      case "create_api_client": {
        integrationWrite("api_clients:manage");
        const name = String(a.name).trim();
        if (!name) throw fail("invalid_input", "Give the API client a name (up to 100 characters).");
        const perms = [...(a.permissions as string[])];
        if (perms.some((p) => PERSON_ONLY.includes(p))) throw fail("validation_failed", "That permission is for people, not API clients.");
        const id = uid("ac");
        const client: ApiClientView = { id, client_id: id, name, permissions: perms, created_at: new Date().toISOString(), previous_secret_expires_at: null };
        apiClients = [...apiClients, client];
        return { client, client_secret: secret("vdcs_") };
      }
      case "rotate_api_client_secret": {
        integrationWrite("api_clients:manage");
        const c = apiClients.find((x) => x.id === a.id);
        if (!c) throw fail("not_found", "No such API client.");
        c.previous_secret_expires_at = new Date(Date.now() + 86_400_000).toISOString();
        return { client: { ...c }, client_secret: secret("vdcs_") };
      }
      case "delete_api_client": integrationWrite("api_clients:manage"); apiClients = apiClients.filter((c) => c.id !== a.id); return null;
      case "create_public_key": {
        integrationWrite("api_clients:manage");
        const origins = [...(a.origins as string[])];
        const key = secret("pk_live_");
        const k: PublicKeyView = { id: uid("pk"), key_prefix: key.slice(0, 12), allowed_origins: origins, created_at: new Date().toISOString() };
        publicKeys = [...publicKeys, k];
        return { public_key: k, key };
      }
      case "delete_public_key": integrationWrite("api_clients:manage"); publicKeys = publicKeys.filter((k) => k.id !== a.id); return null;
      case "create_webhook": {
        integrationWrite("webhooks:manage");
        const url = String(a.url);
        if (!url.startsWith("https://")) throw fail("validation_failed", "url: must be https:// and resolve to a public address");
        const w: WebhookView = { id: uid("wh"), url, events: [...(a.events as string[])], enabled: true, created_at: new Date().toISOString(), previous_secret_expires_at: null };
        webhooks = [...webhooks, w];
        deliveries.set(w.id, []);
        return { webhook: w, secret: secret("whsec_") };
      }
      case "set_webhook_enabled": {
        integrationWrite("webhooks:manage");
        const w = webhooks.find((x) => x.id === a.id);
        if (!w) throw fail("not_found", "No such endpoint.");
        w.enabled = Boolean(a.enabled);
        return { ...w };
      }
      case "rotate_webhook_secret": {
        integrationWrite("webhooks:manage");
        const w = webhooks.find((x) => x.id === a.id);
        if (!w) throw fail("not_found", "No such endpoint.");
        w.previous_secret_expires_at = new Date(Date.now() + 86_400_000).toISOString();
        return { webhook: { ...w }, secret: secret("whsec_") };
      }
      case "delete_webhook": integrationWrite("webhooks:manage"); webhooks = webhooks.filter((w) => w.id !== a.id); return null;
      case "webhook_deliveries": {
        need("webhooks:manage");
        const list = deliveries.get(String(a.id));
        if (!list) throw fail("not_found", "No such endpoint.");
        return { deliveries: structuredClone(list), read_at: opts.integrationsOffline ? integrationsReadAt : new Date().toISOString(), offline: !!opts.integrationsOffline };
      }
      case "retry_delivery": {
        integrationWrite("webhooks:manage");
        const d = deliveries.get(String(a.webhookId))?.find((x) => x.id === a.deliveryId);
        if (!d) throw fail("not_found", "No such delivery.");
        Object.assign(d, { status: "pending", next_at: new Date().toISOString() });
        return { ...d };
      }
      case "floor_settings": {
        need("settings:manage");
        const view: FloorSettingsView = {
          tables, weekly: hours.weekly, exceptions: hours.exceptions, rules, offline: settingsOffline(),
        };
        return structuredClone(view);
      }
      case "save_table": {
        settingsWrite();
        const id = (a.id as string | null) ?? null;
        const input = a.input as TableInput;
        const name = input.name.trim();
        if (!name) throw fail("invalid_input", "A table needs a name.");
        if (!(input.seats_max >= 1 && input.seats_max <= 100 && input.seats_min >= 1 && input.seats_min <= input.seats_max)) {
          throw fail("invalid_input", "Seats: at least 1, and the fewest not more than the most (100 at most).");
        }
        const old = id === null ? null : tables.find((t) => t.id === id);
        if (old === undefined) throw fail("invalid_input", "That table is not there any more.");
        if (tables.some((t) => t.id !== id && t.name.toLowerCase() === name.toLowerCase())) {
          throw fail("name_taken", "another table has this name");
        }
        const me = old?.id ?? uid("t");
        const partners = [...new Set(input.combinable_with)];
        if (partners.includes(me)) throw fail("validation_failed", "combinable_with: a table cannot be combined with itself");
        if (partners.some((p) => !tables.some((t) => t.id === p))) throw fail("not_found", "That table is not there any more.");
        const area = input.area.trim();
        const saved: TableView = {
          id: me, name, area: area || old?.area || "Main", seats_min: input.seats_min, seats_max: input.seats_max, combinable_with: partners,
        };
        // Combinations are kept both ways.
        for (const t of tables) {
          if (t.id === me) continue;
          const was = t.combinable_with.includes(me);
          const now = partners.includes(t.id);
          if (was && !now) t.combinable_with = t.combinable_with.filter((x) => x !== me);
          if (now && !was) t.combinable_with = [...t.combinable_with, me];
        }
        if (old) Object.assign(old, saved);
        else tables.push(saved);
        return structuredClone(saved);
      }
      case "delete_table": {
        settingsWrite();
        const i = tables.findIndex((t) => t.id === a.id);
        if (i < 0) throw fail("not_found", "That table is not there any more.");
        // A booking that has not ended (confirmed or seated, today or later) holds it.
        const held = [...bookings.entries()].some(([d, list]) => d >= today && list.some((b) => holds(b) && b.table_ids.includes(tables[i].id)));
        if (held) throw fail("table_in_use", "a booking that has not ended holds this table: move or cancel it first");
        const [gone] = tables.splice(i, 1);
        for (const t of tables) t.combinable_with = t.combinable_with.filter((x) => x !== gone.id);
        return null;
      }
      case "save_opening_hours": {
        settingsWrite();
        const weekly = structuredClone(a.weekly as WeeklyPeriodView[]);
        const exceptions = structuredClone(a.exceptions as HoursExceptionView[]);
        const time = /^([01]\d|2[0-3]):[0-5]\d$/;
        weekly.forEach((w, i) => {
          if (!(w.weekday >= 1 && w.weekday <= 7)) throw fail("validation_failed", `weekly[${i}].weekday: must be 1 (Monday) to 7 (Sunday)`);
          if (!time.test(w.opens) || !time.test(w.closes)) throw fail("validation_failed", `weekly[${i}]: must be a time HH:MM between 00:00 and 23:59`);
          if (w.opens === w.closes) throw fail("validation_failed", `weekly[${i}].closes: must differ from opens (a period passing midnight closes the next day)`);
        });
        const dates = new Set<string>();
        exceptions.forEach((x, i) => {
          if (dates.has(x.date)) throw fail("validation_failed", `exceptions[${i}].date: is listed twice`);
          dates.add(x.date);
          if (x.closed ? x.opens !== null || x.closes !== null : !x.opens || !x.closes) {
            throw fail("validation_failed", `exceptions[${i}].opens: ${x.closed ? "a closed date has no opens or closes" : "an open date needs opens and closes"}`);
          }
        });
        hours.weekly = weekly;
        hours.exceptions = exceptions;
        return null;
      }
      case "save_booking_rules": {
        settingsWrite();
        const r = structuredClone(a.rules as BookingRulesView);
        const d = r.default_duration_minutes;
        if (![5, 10, 15, 20, 30, 60].includes(r.slot_minutes)) throw fail("validation_failed", "slot_minutes: must be one of [5, 10, 15, 20, 30, 60]");
        if (d.length === 0 || d[0].party_size_from !== 1 || d.some((x, i) => i > 0 && x.party_size_from <= d[i - 1].party_size_from)) {
          throw fail("validation_failed", "default_duration_minutes: party sizes must increase, the first from 1");
        }
        if (d.some((x) => x.minutes < 15 || x.minutes > 720)) throw fail("validation_failed", "default_duration_minutes: minutes must be 15-720");
        Object.assign(rules, r);
        return null;
      }
      case "save_payment_settings": {
        integrationWrite("payments:manage");
        if (!String(a.webhookSecret).trim()) throw fail("invalid_input", "Paste the webhook signing secret.");
        payments = { configured: true, provider: "stripe", updated_at: new Date().toISOString() };
        return { ...payments };
      }
      default:
        throw fail("internal", `mock backend: unknown command ${cmd}`);
    }
  }
  function signInAs(email: string, server: string) {
    Object.assign(state, {
      server, signed_in: true, email, display_name: email.split("@")[0], mfa_enabled: mfaEnabled,
      venues, venue: venues[0], permissions,
    });
  }
  function filterAudit(f: AuditFilter) {
    return audit.filter((e) =>
      (!f.from || e.at.slice(0, 10) >= f.from) && (!f.to || e.at.slice(0, 10) <= f.to) &&
      (!f.actor_id || e.actor_id === f.actor_id) && (!f.action || e.action.includes(f.action)));
  }

  mockIPC(
    async (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      backend.calls.push({ cmd, args });
      if (opts.override) {
        const r = await opts.override(cmd, args);
        if (r !== undefined) return r;
      }
      return handle(cmd, args);
    },
    { shouldMockEvents: true },
  );
  return backend;
}
