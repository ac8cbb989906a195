// The ONLY module that talks to the Rust side (invoke / listen). One typed function per
// command of docs/desktop-ipc.md. Every rejection is normalised to AppError {code, message}.
// No function here sends a file path: a command that writes a file opens the native save
// dialog on the Rust side and answers `{kind: "saved", value}` or `{kind: "cancelled"}`.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AppError } from "./bindings/AppError";
import type { ApiClientSecretView } from "./bindings/ApiClientSecretView";
import type { AppState } from "./bindings/AppState";
import type { AuditFilter } from "./bindings/AuditFilter";
import type { AuditPage } from "./bindings/AuditPage";
import type { AvailabilityView } from "./bindings/AvailabilityView";
import type { BookingRulesView } from "./bindings/BookingRulesView";
import type { BookingInput } from "./bindings/BookingInput";
import type { BookingView } from "./bindings/BookingView";
import type { Code } from "./bindings/Code";
import type { CustomerInput } from "./bindings/CustomerInput";
import type { CustomerView } from "./bindings/CustomerView";
import type { DayView } from "./bindings/DayView";
import type { DeliveryLog } from "./bindings/DeliveryLog";
import type { DeliveryView } from "./bindings/DeliveryView";
import type { ExportResult } from "./bindings/ExportResult";
import type { FloorSettingsView } from "./bindings/FloorSettingsView";
import type { FloorView } from "./bindings/FloorView";
import type { HoursExceptionView } from "./bindings/HoursExceptionView";
import type { IntegrationsView } from "./bindings/IntegrationsView";
import type { InvitationView } from "./bindings/InvitationView";
import type { MemberView } from "./bindings/MemberView";
import type { OrderLineInput } from "./bindings/OrderLineInput";
import type { OrderView } from "./bindings/OrderView";
import type { PaymentSettingsView } from "./bindings/PaymentSettingsView";
import type { ProductView } from "./bindings/ProductView";
import type { Progress } from "./bindings/Progress";
import type { PublicKeyCreatedView } from "./bindings/PublicKeyCreatedView";
import type { RoleInput } from "./bindings/RoleInput";
import type { RoleView } from "./bindings/RoleView";
import type { Saved } from "./bindings/Saved";
import type { SessionView } from "./bindings/SessionView";
import type { AlertsView } from "./bindings/AlertsView";
import type { SignInOutcome } from "./bindings/SignInOutcome";
import type { TableInput } from "./bindings/TableInput";
import type { TableView } from "./bindings/TableView";
import type { SyncStatus } from "./bindings/SyncStatus";
import type { TotpEnrollment } from "./bindings/TotpEnrollment";
import type { WebhookSecretView } from "./bindings/WebhookSecretView";
import type { WaitlistInput } from "./bindings/WaitlistInput";
import type { WaitlistView } from "./bindings/WaitlistView";
import type { WalkInInput } from "./bindings/WalkInInput";
import type { WebhookView } from "./bindings/WebhookView";
import type { WeeklyPeriodView } from "./bindings/WeeklyPeriodView";

export type { AppError, Code, Saved };
export type BookingAction = "seat" | "complete" | "cancel" | "no-show";
export type WaitlistStep = "offer" | "seat" | "remove";
export type OrderStatus = OrderView["status"];

export function isAppError(e: unknown): e is AppError {
  return (
    typeof e === "object" && e !== null &&
    typeof (e as AppError).code === "string" && typeof (e as AppError).message === "string"
  );
}

export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return { code: e.code, message: e.message };
  if (e instanceof Error) return { code: "internal", message: e.message };
  if (typeof e === "string") return { code: "internal", message: e };
  return { code: "internal", message: "Something went wrong." };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw toAppError(e);
  }
}

// session
export const appState = () => call<AppState>("app_state");
export const signIn = (server: string, email: string, password: string) =>
  call<SignInOutcome>("sign_in", { server, email, password });
export const completeMfa = (code: string) => call<AppState>("complete_mfa", { code });
export const signOut = () => call<null>("sign_out");
export const selectVenue = (venueId: string) => call<AppState>("select_venue", { venueId });

// sync
export const syncStatus = () => call<SyncStatus>("sync_status");
export const syncNow = () => call<SyncStatus>("sync_now");
export const resolveConflict = (seq: number, action: "retry" | "discard") =>
  call<SyncStatus>("resolve_conflict", { seq, action });

// bookings
export const dayView = (date: string | null, search: string | null) =>
  call<DayView>("day_view", { date, search });
export const createBooking = (input: BookingInput) => call<BookingView>("create_booking", { input });
export const updateBooking = (id: string, input: BookingInput) =>
  call<BookingView>("update_booking", { id, input });
export const bookingAction = (id: string, action: BookingAction) =>
  call<BookingView>("booking_action", { id, action });

// floor: timeline, free times, waitlist, walk-ins (every write works offline: pending)
export const floorView = (date: string | null) => call<FloorView>("floor_view", { date });
/** `estimate: true` when offline: worked out from this computer's cache. */
export const availability = (date: string, partySize: number) =>
  call<AvailabilityView>("availability", { date, partySize });
export const waitlist = () => call<WaitlistView[]>("waitlist");
export const addToWaitlist = (input: WaitlistInput) => call<WaitlistView>("add_to_waitlist", { input });
/** `seat` with no tables: the platform picks the smallest free fit. */
export const waitlistStep = (id: string, step: WaitlistStep, tableIds: string[]) =>
  call<WaitlistView>("waitlist_step", { id, step, tableIds });
export const walkIn = (input: WalkInInput) => call<BookingView>("walk_in", { input });
/** `time` ("HH:MM") and/or `tableIds`; null keeps that part. */
export const moveBooking = (id: string, time: string | null, tableIds: string[] | null) =>
  call<BookingView>("move_booking", { id, time, tableIds });

// orders & products
export const listOrders = () => call<OrderView[]>("list_orders");
export const createOrder = (items: OrderLineInput[], tableLabel: string | null) =>
  call<OrderView>("create_order", { items, tableLabel });
export const setOrderStatus = (id: string, status: OrderStatus) =>
  call<OrderView>("set_order_status", { id, status });
export const listProducts = () => call<ProductView[]>("list_products");

// customers
export const listCustomers = (search: string | null) =>
  call<CustomerView[]>("list_customers", { search });
export const createCustomer = (input: CustomerInput) => call<CustomerView>("create_customer", { input });
/** Rust opens the save dialog; resolves to the path written, or `cancelled`. */
export const exportCustomer = (id: string) => call<Saved<string>>("export_customer", { id });
export const eraseCustomer = (id: string) => call<null>("erase_customer", { id });

// team & roles
export const listMembers = () => call<MemberView[]>("list_members");
export const listRoles = () => call<RoleView[]>("list_roles");
export const inviteMember = (email: string, roleId: string) =>
  call<InvitationView>("invite_member", { email, roleId });
export const setMemberRole = (userId: string, roleId: string) =>
  call<MemberView>("set_member_role", { userId, roleId });
export const removeMember = (userId: string) => call<null>("remove_member", { userId });
export const saveRole = (id: string | null, input: RoleInput) => call<RoleView>("save_role", { id, input });
export const deleteRole = (id: string) => call<null>("delete_role", { id });

// audit
export const auditPage = (filter: AuditFilter, cursor: string | null) =>
  call<AuditPage>("audit_page", { filter, cursor });
/** Rust opens the save dialog; resolves to the verified export, or `cancelled`. */
export const exportAudit = (filter: AuditFilter, format: "csv" | "jsonl") =>
  call<Saved<ExportResult>>("export_audit", { filter, format });

// account security
export const totpBegin = (password: string) => call<TotpEnrollment>("totp_begin", { password });
export const totpConfirm = (code: string) => call<string[]>("totp_confirm", { code });
export const totpDisable = (password: string, code: string) => call<null>("totp_disable", { password, code });
export const listSessions = () => call<SessionView[]>("list_sessions");
export const revokeSession = (id: string) => call<null>("revoke_session", { id });
export const changePassword = (current: string, next: string) =>
  call<null>("change_password", { current, next });
/** Security › Alerts (settings:manage); `items` null for other roles. */
export const securityAlerts = () => call<AlertsView>("security_alerts");
export const markAlertsSeen = () => call<null>("mark_alerts_seen");
/** Rust opens the save dialog; resolves to the path written, or `cancelled`. */
export const saveTextFile = (contents: string) => call<Saved<string>>("save_text_file", { contents });

// integrations (owners): every change needs the platform; secrets come back once
export const integrations = () => call<IntegrationsView>("integrations");
export const createApiClient = (name: string, permissions: string[]) =>
  call<ApiClientSecretView>("create_api_client", { name, permissions });
export const rotateApiClientSecret = (id: string) => call<ApiClientSecretView>("rotate_api_client_secret", { id });
export const deleteApiClient = (id: string) => call<null>("delete_api_client", { id });
export const createPublicKey = (origins: string[]) => call<PublicKeyCreatedView>("create_public_key", { origins });
export const deletePublicKey = (id: string) => call<null>("delete_public_key", { id });
export const createWebhook = (url: string, events: string[]) =>
  call<WebhookSecretView>("create_webhook", { url, events });
export const setWebhookEnabled = (id: string, enabled: boolean) =>
  call<WebhookView>("set_webhook_enabled", { id, enabled });
export const rotateWebhookSecret = (id: string) => call<WebhookSecretView>("rotate_webhook_secret", { id });
export const deleteWebhook = (id: string) => call<null>("delete_webhook", { id });
export const webhookDeliveries = (id: string) => call<DeliveryLog>("webhook_deliveries", { id });
export const retryDelivery = (webhookId: string, deliveryId: string) =>
  call<DeliveryView>("retry_delivery", { webhookId, deliveryId });
export const savePaymentSettings = (provider: "stripe", webhookSecret: string) =>
  call<PaymentSettingsView>("save_payment_settings", { provider, webhookSecret });

// settings › floor (settings:manage): every change needs the platform; offline, the read
// answers the copy kept on this computer (`offline: true`)
export const floorSettings = () => call<FloorSettingsView>("floor_settings");
/** `id` null adds a table; the tables it names combine with it both ways. */
export const saveTable = (id: string | null, input: TableInput) => call<TableView>("save_table", { id, input });
/** Refused with `table_in_use` while a booking that has not ended holds it. */
export const deleteTable = (id: string) => call<null>("delete_table", { id });
/** Replaces both lists. */
export const saveOpeningHours = (weekly: WeeklyPeriodView[], exceptions: HoursExceptionView[]) =>
  call<null>("save_opening_hours", { weekly, exceptions });
export const saveBookingRules = (rules: BookingRulesView) => call<null>("save_booking_rules", { rules });

// events
export async function onProgress(cb: (p: Progress) => void): Promise<UnlistenFn> {
  try {
    return await listen<Progress>("progress", (ev) => cb(ev.payload));
  } catch (e) {
    throw toAppError(e);
  }
}
