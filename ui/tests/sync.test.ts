import { expect, test } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renderApp } from "./helpers";

test("status bar shows online state and pending count; Resolve lists conflicts; Retry/Discard call resolve_conflict", async () => {
  const { backend } = await renderApp("front_desk", { conflicts: true });
  const bar = screen.getByRole("contentinfo");
  expect(await within(bar).findByText("Online")).toBeInTheDocument();
  expect(within(bar).getByText("0 pending changes")).toBeInTheDocument();

  await fireEvent.click(within(bar).getByRole("button", { name: /Resolve/ }));
  const dialog = screen.getByRole("dialog", { name: "Sync conflicts" });
  const items = within(dialog).getAllByTestId("conflict");
  expect(items).toHaveLength(3);
  expect(items[0]).toHaveTextContent("New booking: Farah Ali, 6 at 19:30");
  expect(items[0]).toHaveTextContent("capacity_exceeded");

  await fireEvent.click(within(items[0]).getByRole("button", { name: "Retry" }));
  await waitFor(() => expect(within(dialog).getAllByTestId("conflict")).toHaveLength(2));
  expect(backend.calls.filter((c) => c.cmd === "resolve_conflict").map((c) => c.args)).toEqual([{ seq: 7, action: "retry" }]);
  expect(await within(bar).findByText("1 pending change")).toBeInTheDocument();

  await fireEvent.click(within(dialog).getByRole("button", { name: "Discard" }));
  await waitFor(() => expect(within(dialog).getAllByTestId("conflict")).toHaveLength(1));
  expect(backend.calls.filter((c) => c.cmd === "resolve_conflict").map((c) => c.args)).toEqual([
    { seq: 7, action: "retry" },
    { seq: 9, action: "discard" },
  ]);
});

test("an edit that met someone else's change shows both versions side by side; keep mine or take theirs", async () => {
  const { backend } = await renderApp("front_desk", { conflicts: true });
  const bar = screen.getByRole("contentinfo");
  await fireEvent.click(await within(bar).findByRole("button", { name: /Resolve/ }));
  const dialog = screen.getByRole("dialog", { name: "Sync conflicts" });
  const edit = within(dialog).getAllByTestId("conflict")[2];
  const table = within(edit).getByRole("table", { name: /Someone changed this booking while you edited it/ });
  const row = (name: string) => within(table).getByRole("row", { name: new RegExp(`^${name}`) });
  expect(within(row("Party")).getAllByRole("cell").map((c) => c.textContent)).toEqual(["4", "6, differs"]);
  expect(within(row("Time")).getAllByRole("cell").map((c) => c.textContent)).toEqual(["20:30", "19:00, differs"]);
  expect(within(row("Notes")).getAllByRole("cell").map((c) => c.textContent)).toEqual(["window", "window"]);
  expect(row("Party")).toHaveClass("differs");
  expect(row("Notes")).not.toHaveClass("differs");
  // No plain Retry/Discard here: the choice is named for what it does.
  expect(within(edit).queryByRole("button", { name: "Retry" })).toBeNull();
  await fireEvent.click(within(edit).getByRole("button", { name: "Keep mine" }));
  await waitFor(() => expect(within(dialog).getAllByTestId("conflict")).toHaveLength(2));
  expect(backend.calls.filter((c) => c.cmd === "resolve_conflict").map((c) => c.args)).toEqual([{ seq: 11, action: "retry" }]);
});

test("taking theirs resolves the conflict with discard", async () => {
  const { backend } = await renderApp("front_desk", { conflicts: true });
  const bar = screen.getByRole("contentinfo");
  await fireEvent.click(await within(bar).findByRole("button", { name: /Resolve/ }));
  const dialog = screen.getByRole("dialog", { name: "Sync conflicts" });
  await fireEvent.click(within(dialog).getByRole("button", { name: "Take theirs" }));
  await waitFor(() => expect(within(dialog).getAllByTestId("conflict")).toHaveLength(2));
  expect(backend.calls.filter((c) => c.cmd === "resolve_conflict").map((c) => c.args)).toEqual([{ seq: 11, action: "discard" }]);
});

test("Sync now shows progress and updates the last sync time", async () => {
  const { backend } = await renderApp("front_desk");
  const bar = screen.getByRole("contentinfo");
  await fireEvent.click(within(bar).getByRole("button", { name: "Sync now" }));
  expect(within(bar).getByText(/Syncing/)).toBeInTheDocument();
  await within(bar).findByText("Synced.", {}, { timeout: 3000 });
  expect(bar.querySelector("progress")).toBeNull();
  expect(backend.calls.some((c) => c.cmd === "sync_now")).toBe(true);
});

test("last_owner refusal shows the explanation, not just 'refused'", async () => {
  await renderApp("owner");
  await fireEvent.click(screen.getByRole("link", { name: "Team" }));
  const select = await screen.findByRole("combobox", { name: "Role for Olivia Owner" });
  await fireEvent.change(select, { target: { value: "r-manager" } });
  expect(await screen.findByRole("alert")).toHaveTextContent("A venue always keeps at least one owner: make someone else owner first.");
  expect(select).toHaveValue("r-owner");
});

test("audit export: Rust's save dialog, progress, verified result", async () => {
  const { backend } = await renderApp("manager");
  await fireEvent.click(screen.getByRole("link", { name: "Audit" }));
  await screen.findByRole("button", { name: "Next" });
  await fireEvent.change(screen.getByLabelText("Format"), { target: { value: "jsonl" } });
  await fireEvent.click(screen.getByRole("button", { name: "Export" }));
  expect(await screen.findByText(/Chain verified: 180 events\. Saved to \/home\/staff\/Documents\/audit-all-now\.jsonl/, {}, { timeout: 3000 }))
    .toBeInTheDocument();
  const call = backend.calls.find((c) => c.cmd === "export_audit")!;
  // the filter and format only: where to save is asked by the Rust side
  expect(call.args).toEqual({ format: "jsonl", filter: { from: null, to: null, actor_id: null, action: null } });
  expect(backend.calls.some((c) => c.cmd.startsWith("plugin:dialog"))).toBe(false);
});

test("customer erase needs the typed name", async () => {
  const { backend } = await renderApp("manager");
  await fireEvent.click(screen.getByRole("link", { name: "Customers" }));
  await fireEvent.click(await screen.findByRole("button", { name: /Chloe Martin/ }));
  await fireEvent.click(screen.getByRole("button", { name: "Erase" }));
  const go = screen.getByRole("button", { name: "Erase permanently" });
  expect(go).toBeDisabled();
  await fireEvent.input(screen.getByLabelText(/Type the customer's name/), { target: { value: "Chloe" } });
  expect(go).toBeDisabled();
  await fireEvent.input(screen.getByLabelText(/Type the customer's name/), { target: { value: "Chloe Martin" } });
  expect(go).toBeEnabled();
  await fireEvent.click(go);
  await waitFor(() => expect(screen.queryByRole("button", { name: /Chloe Martin/ })).toBeNull());
  expect(backend.calls.find((c) => c.cmd === "erase_customer")!.args).toEqual({ id: "c-3" });
});

test("TOTP enrolment shows the QR and key, then recovery codes once", async () => {
  const { backend } = await renderApp("manager");
  await fireEvent.click(screen.getByRole("link", { name: "Security" }));
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pw" } });
  await fireEvent.click(screen.getByRole("button", { name: "Set up authenticator" }));
  const img = await screen.findByRole("img", { name: /QR code/ });
  expect(img.getAttribute("src")).toMatch(/^data:image\/svg\+xml;base64,/);
  expect(screen.getByText("JBSWY3DPEHPK3PXP")).toBeInTheDocument();
  await fireEvent.input(screen.getByLabelText("Code"), { target: { value: "654321" } });
  await fireEvent.click(screen.getByRole("button", { name: "Confirm" }));
  expect(await screen.findByText("r0x7-k0p2")).toBeInTheDocument();
  await fireEvent.click(screen.getByRole("button", { name: "Download" }));
  await waitFor(() => expect(backend.calls.some((c) => c.cmd === "save_text_file")).toBe(true));
  expect(String(backend.calls.find((c) => c.cmd === "save_text_file")!.args.contents)).toContain("r9x7-k9p2");
  expect(await screen.findByText(/Status:/)).toHaveTextContent("On");
});

test("Sync now while offline says the changes are kept locally, not 'Synced.'", async () => {
  const { backend } = await renderApp("front_desk");
  backend.state.sync.online = false;
  backend.state.sync.pending = 2;
  const bar = screen.getByRole("contentinfo");
  await fireEvent.click(within(bar).getByRole("button", { name: "Sync now" }));
  const status = within(bar).getByRole("status");
  await waitFor(() => expect(status).toHaveTextContent(
    "Offline: changes are kept on this computer and will sync when the platform is reachable.",
  ), { timeout: 3000 });
  expect(status).not.toHaveTextContent("Synced.");
  expect(within(bar).getByText("Offline")).toBeInTheDocument();
  expect(within(bar).getByText("2 pending changes")).toBeInTheDocument();
});

test("Sync now with conflicts says so", async () => {
  await renderApp("front_desk", { conflicts: true });
  const bar = screen.getByRole("contentinfo");
  await fireEvent.click(within(bar).getByRole("button", { name: "Sync now" }));
  const status = within(bar).getByRole("status");
  await waitFor(() => expect(status).toHaveTextContent(/^Synced\. 3 changes were refused by the platform: use Resolve/), { timeout: 3000 });
});

test("syncOutcomeMessage covers offline, waiting, conflicts and clean syncs", async () => {
  const { syncOutcomeMessage } = await import("../src/lib/sync");
  const base = { online: true, pending: 0, last_sync: null, syncing: false, conflicts: [] };
  const conflict = { seq: 1, entity: "booking", entity_id: "b", code: "capacity_exceeded", message: "full", summary: "s", mine: null, theirs: null };
  expect(syncOutcomeMessage(base)).toBe("Synced.");
  expect(syncOutcomeMessage({ ...base, online: false, pending: 3 })).toMatch(/^Offline: changes are kept on this computer/);
  expect(syncOutcomeMessage({ ...base, pending: 1 })).toBe("Synced, but 1 change is still waiting to be sent.");
  expect(syncOutcomeMessage({ ...base, online: false, conflicts: [conflict] }))
    .toMatch(/^Offline: .* 1 change was refused by the platform: use Resolve to retry or discard it\.$/);
});

test("audit table: actors read 'system' or 'user' + short id (full id for assistive tech and on hover)", async () => {
  const long = "01a2169d-eb27-7255-b627-e0c5adbaf051";
  await renderApp("manager", {
    override: (cmd) => cmd === "audit_page" ? {
      items: [
        { seq: 2, at: "2026-11-26T06:49:00Z", actor_type: "user", actor_id: long, action: "invitation.create", target_type: "invitation", target_id: long, details: "{\"demo\":true}" },
        { seq: 1, at: "2026-11-26T06:48:00Z", actor_type: "system", actor_id: null, action: "venue.create", target_type: "venue", target_id: "v-1", details: "{}" },
      ],
      next_cursor: null,
    } : undefined,
  });
  await fireEvent.click(screen.getByRole("link", { name: "Audit" }));
  const actors = await screen.findAllByTestId("audit-actor");
  expect(actors[0]).toHaveTextContent(`user …adbaf051${long}`); // visible short id + visually hidden full id
  expect(within(actors[0]).getByTitle(long)).toBeInTheDocument();
  expect(actors[1]).toHaveTextContent(/^system$/);
  expect(screen.getByRole("region", { name: /Audit events/ })).toHaveAttribute("tabindex", "0");
  expect(screen.getByRole("cell", { name: "venue v-1" })).toBeInTheDocument();
});

test("a sync finished in the background reloads the day (no click needed)", async () => {
  const { emit } = await import("@tauri-apps/api/event");
  const { backend } = await renderApp("front_desk", { bookingsToday: 2 });
  await screen.findByText("2 bookings");
  const dayViews = () => backend.calls.filter((c) => c.cmd === "day_view").length;
  const before = dayViews();
  // The platform's data arrives through a sync the user did not start.
  const [today, list] = [...backend.state.bookings.entries()][0];
  backend.state.bookings.set(today, [...list, { ...list[0], id: "b-bg", guest_name: "Bea Background" }]);
  backend.state.sync.last_sync = new Date().toISOString();
  await emit("progress", { task: "sync", done: 3, total: 3 });
  expect(await screen.findByText("Bea Background", {}, { timeout: 3000 })).toBeInTheDocument();
  expect(dayViews()).toBeGreaterThan(before);
});
