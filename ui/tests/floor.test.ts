import { afterEach, describe, expect, test, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { navLinks, renderApp } from "./helpers";
import type { MockOptions } from "../src/mocks";
import type { BuiltinRole } from "../src/lib/permissions";

// 18:42 UTC on 14 June 2025 is 19:42 in London (BST): inside the 11:00–02:00 opening hours.
const NOW = new Date("2025-06-14T18:42:00Z");
const TODAY = "2025-06-14";

async function openFloor(role: BuiltinRole = "front_desk", opts: MockOptions = {}) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
  const r = await renderApp(role, opts);
  await fireEvent.click(screen.getByRole("link", { name: "Floor" }));
  expect(screen.getByRole("heading", { level: 1, name: "Floor" })).toBeInTheDocument();
  // the app moves focus to the screen on the next frame
  await waitFor(() => expect(document.activeElement).toBe(document.getElementById("main")));
  const timeline = await screen.findByTestId("timeline");
  await waitFor(() => expect(timeline.querySelectorAll('[data-testid="booking-block"]').length).toBeGreaterThan(0));
  return { ...r, timeline };
}

const row = (timeline: HTMLElement, tableId: string) =>
  [...timeline.querySelectorAll<HTMLElement>("[data-table-id]")].find((el) => el.dataset.tableId === tableId)!;
const block = (timeline: HTMLElement, name: RegExp) =>
  within(timeline).getAllByTestId("booking-block").find((b) => name.test(b.textContent ?? ""))!;

afterEach(() => vi.useRealTimers());

describe("floor timeline", () => {
  test("areas, tables and booking blocks; a now-line on today only", async () => {
    const { timeline, backend } = await openFloor();
    expect(backend.calls.find((c) => c.cmd === "floor_view")!.args).toEqual({ date: null });
    expect(within(timeline).getByRole("heading", { name: "Main room" })).toBeInTheDocument();
    expect(within(timeline).getByRole("heading", { name: "Terrace" })).toBeInTheDocument();
    expect(timeline.dataset.renderedRows).toBe("10");
    const t1 = row(timeline, "t-1");
    expect(t1).toHaveAccessibleName("T1, Main room, 1 to 2 seats");
    const amelia = within(t1).getAllByTestId("booking-block")[0];
    expect(amelia).toHaveTextContent("Amelia Hart");
    expect(amelia).toHaveAccessibleName(/^Amelia Hart, party of 1, 12:00 to 13:30, confirmed/);
    // 11:00 is the left edge: 12:00 is 60 minutes in, at 2 px a minute
    expect(amelia.style.left).toBe("120px");
    expect(amelia.style.width).toBe("180px");
    // walk-ins are marked
    expect(within(row(timeline, "t-2")).getAllByTestId("booking-block")[0]).toHaveTextContent(/walk-in/);
    // cancelled bookings hold no table
    expect(within(timeline).queryByText("Farah Ali")).toBeNull();
    const now = screen.getByTestId("now-line");
    expect(now.style.left).toBe(`${112 + (19 * 60 + 42 - 11 * 60) * 2}px`);

    await fireEvent.click(screen.getByRole("button", { name: "Next day" }));
    await waitFor(() => expect(screen.queryByTestId("now-line")).toBeNull());
    expect(backend.calls.filter((c) => c.cmd === "floor_view").at(-1)!.args.date).toBe("2025-06-15");
  });

  test("clicking a free gap opens the booking form at that table and time, snapped to 15 minutes", async () => {
    const { timeline, backend } = await openFloor();
    const gap = within(row(timeline, "t-1")).getByRole("button", { name: "T1 free 16:00 to 02:00: new booking" });
    // 434 px into the gap = 217 minutes after 16:00 = 19:37 → 19:30
    await fireEvent.click(gap, { clientX: 434, detail: 1 });
    const dialog = screen.getByRole("dialog", { name: "New booking at T1, 19:30" });
    expect(within(dialog).getByLabelText("Date")).toHaveValue(TODAY);
    expect(within(dialog).getByLabelText("Time")).toHaveValue("19:30");
    await fireEvent.input(within(dialog).getByLabelText("Guest name"), { target: { value: "Gap Gus" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(backend.calls.find((c) => c.cmd === "create_booking")!.args.input).toMatchObject({ date: TODAY, time: "19:30", guest_name: "Gap Gus" });
    expect(await screen.findByText("Saved booking for Gap Gus.")).toBeInTheDocument();
  });

  test("Enter on a focused gap (a keyboard click) books from the gap's start", async () => {
    const { timeline } = await openFloor();
    await fireEvent.click(within(row(timeline, "t-1")).getByRole("button", { name: /^T1 free 11:00 to 12:00/ }));
    expect(screen.getByRole("dialog", { name: "New booking at T1, 11:00" })).toBeInTheDocument();
    expect(screen.getByLabelText("Time")).toHaveValue("11:00");
  });

  test("arrow keys on a booking move it to the next table and 15 minutes later; refusals are shown", async () => {
    const { timeline, backend } = await openFloor();
    const eve = block(timeline, /Eve Jones/);
    expect(eve.closest<HTMLElement>("[data-table-id]")!.dataset.tableId).toBe("t-5");
    eve.focus();
    await fireEvent.keyDown(eve, { key: "ArrowDown" });
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "move_booking")).toBe(true));
    const moved = backend.calls.find((c) => c.cmd === "move_booking")!.args;
    expect(moved).toEqual({ id: `b-${TODAY}-4`, time: null, tableIds: ["t-6"] });
    expect(await screen.findByText("Moved Eve Jones to T6 (pending sync).")).toBeInTheDocument();
    const after = await waitFor(() => {
      const b = within(row(timeline, "t-6")).getAllByTestId("booking-block").find((x) => /Eve Jones/.test(x.textContent ?? ""));
      expect(b).toBeTruthy();
      return b!;
    });
    expect(after).toHaveTextContent("pending sync");
    await waitFor(() => expect(document.activeElement).toBe(after));

    await fireEvent.keyDown(after, { key: "ArrowRight" });
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "move_booking")).toHaveLength(2));
    expect(backend.calls.filter((c) => c.cmd === "move_booking")[1].args).toEqual({ id: `b-${TODAY}-4`, time: "13:15", tableIds: null });
    expect(await screen.findByText("Moved Eve Jones to 13:15 (pending sync).")).toBeInTheDocument();
    await waitFor(() => expect(document.activeElement).toHaveAccessibleName(/^Eve Jones, party of 5, 13:15 to 14:45/));

    // T2 is taken at 12:00: the platform refuses, the error is shown
    await fireEvent.keyDown(block(timeline, /^Amelia Hart,/), { key: "ArrowDown" });
    expect(await screen.findByRole("alert")).toHaveTextContent("T2 is taken at 12:00.");
  });

  test("Move… dialog: a table and a time for mouse users", async () => {
    const { timeline, backend } = await openFloor();
    await fireEvent.click(block(timeline, /Eve Jones/));
    await fireEvent.click(within(screen.getByRole("group", { name: "Selected booking" })).getByRole("button", { name: "Move…" }));
    const dialog = screen.getByRole("dialog", { name: "Move Eve Jones" });
    await fireEvent.change(within(dialog).getByLabelText("Table"), { target: { value: "t-9" } });
    await fireEvent.input(within(dialog).getByLabelText("Time"), { target: { value: "18:00" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Move" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "move_booking")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "move_booking")!.args).toEqual({ id: `b-${TODAY}-4`, time: "18:00", tableIds: ["t-9"] });
    expect(await screen.findByText("Moved Eve Jones to P3 at 18:00 (pending sync).")).toBeInTheDocument();
  });

  test("is virtualised: 300 tables and 1,000 bookings render only the rows in view; scrolling renders others", async () => {
    const { timeline } = await openFloor("front_desk", { floorTables: 300, floorBookings: 1000 });
    const rendered = Number(timeline.dataset.renderedRows);
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(60);
    expect(timeline.querySelectorAll("[data-table-id]").length).toBe(rendered);
    expect(timeline.querySelectorAll('[data-testid="booking-block"]').length).toBeLessThan(300);
    const ids = () => [...timeline.querySelectorAll<HTMLElement>("[data-table-id]")].map((el) => el.dataset.tableId);
    expect(ids()).toContain("t-1");
    // the scroll area is as tall as every row (300 tables + 3 area headings)
    const inner = timeline.firstElementChild as HTMLElement;
    expect(inner.style.height).toBe(`${32 + 303 * 44}px`);

    timeline.scrollTop = 200 * 44;
    await fireEvent.scroll(timeline);
    await waitFor(() => expect(ids()).not.toContain("t-1"));
    expect(ids()).toContain("t-200");
    expect(Number(timeline.dataset.renderedRows)).toBeLessThan(60);
    await waitFor(() => expect(document.body.dataset.floorRenderMs).toMatch(/^\d+(\.\d+)?$/));
  });
});

describe("waitlist", () => {
  test("lists the waiting parties; S on the first seats it and it leaves the list", async () => {
    const { backend } = await openFloor();
    const panel = screen.getByRole("region", { name: /Waitlist/ });
    expect(panel).toHaveTextContent("press S to seat it");
    const entries = await within(panel).findAllByTestId("waitlist-entry");
    expect(entries).toHaveLength(2);
    expect(entries[0]).toHaveTextContent("Ruth Olsen");
    expect(entries[0]).toHaveTextContent("+44 7700 900123");
    expect(entries[0]).toHaveTextContent(/waited \d+ min/);
    expect(entries[1]).toHaveTextContent("Dev Shah");

    const ruth = within(entries[0]).getByRole("button", { name: /^Ruth Olsen/ });
    ruth.focus();
    await fireEvent.keyDown(ruth, { key: "s" });
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "waitlist_step")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "waitlist_step")!.args).toEqual({ id: "w-1", step: "seat", tableIds: [] });
    await waitFor(() => expect(within(panel).getAllByTestId("waitlist-entry")).toHaveLength(1));
    expect(within(panel).queryByText("Ruth Olsen")).toBeNull();
    expect(await screen.findByText("Seated Ruth Olsen, party of 3 at T3.")).toBeInTheDocument();
    // seated as a walk-in at the table
    const timeline = screen.getByTestId("timeline");
    expect(within(row(timeline, "t-3")).getByText("Ruth Olsen")).toBeInTheDocument();
  });

  test("Call marks the party as called; Remove takes it off", async () => {
    const { backend } = await openFloor();
    const panel = screen.getByRole("region", { name: /Waitlist/ });
    const dev = (await within(panel).findAllByTestId("waitlist-entry"))[1];
    await fireEvent.click(within(dev).getByRole("button", { name: "Call Dev Shah" }));
    await waitFor(() => expect(within(panel).getAllByTestId("waitlist-entry")[1]).toHaveTextContent("called"));
    await fireEvent.click(within(panel).getByRole("button", { name: "Remove Dev Shah" }));
    await waitFor(() => expect(within(panel).getAllByTestId("waitlist-entry")).toHaveLength(1));
    expect(backend.calls.filter((c) => c.cmd === "waitlist_step").map((c) => c.args.step)).toEqual(["offer", "remove"]);
  });

  test("add to waitlist: an empty name is refused on the field; a valid party is added", async () => {
    const { backend } = await openFloor();
    const form = screen.getByRole("form", { name: "Add to waitlist" });
    await fireEvent.click(within(form).getByRole("button", { name: "Add to waitlist" }));
    const name = within(form).getByLabelText("Name");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("Enter the party's name.");
    expect(backend.calls.some((c) => c.cmd === "add_to_waitlist")).toBe(false);

    await fireEvent.input(name, { target: { value: "Kim Lee" } });
    await fireEvent.input(within(form).getByLabelText("Party size"), { target: { value: "4" } });
    await fireEvent.input(within(form).getByLabelText("Phone (optional)"), { target: { value: "+44 7700 900555" } });
    await fireEvent.click(within(form).getByRole("button", { name: "Add to waitlist" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "add_to_waitlist")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "add_to_waitlist")!.args).toEqual({
      input: { guest_name: "Kim Lee", party_size: 4, phone: "+44 7700 900555", notes: null },
    });
    const panel = screen.getByRole("region", { name: /Waitlist/ });
    await waitFor(() => expect(within(panel).getAllByTestId("waitlist-entry")).toHaveLength(3));
    expect(within(panel).getAllByTestId("waitlist-entry")[2]).toHaveTextContent("Kim Lee");
    expect(within(form).getByLabelText("Name")).toHaveValue("");
  });
});

describe("walk-in and day sheet", () => {
  test("the Walk-in dialog seats a party now, at a chosen table", async () => {
    const { backend, timeline } = await openFloor();
    await fireEvent.click(screen.getByRole("button", { name: "Walk-in" }));
    const dialog = screen.getByRole("dialog", { name: "Walk-in" });
    expect(within(dialog).getByLabelText("Name")).toHaveValue("Walk-in");
    await fireEvent.input(within(dialog).getByLabelText("Party size"), { target: { value: "3" } });
    await fireEvent.change(within(dialog).getByLabelText("Table"), { target: { value: "t-9" } });
    await fireEvent.click(within(dialog).getByRole("button", { name: "Seat now" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(backend.calls.find((c) => c.cmd === "walk_in")!.args).toEqual({ input: { guest_name: "Walk-in", party_size: 3, table_ids: ["t-9"] } });
    expect(await screen.findByText("Seated Walk-in, party of 3, at P3.")).toBeInTheDocument();
    await waitFor(() => expect(within(row(timeline, "t-9")).getByText("Walk-in")).toBeInTheDocument());
  });

  test("Print day sheet prints a table of the day's bookings", async () => {
    const print = vi.fn();
    const original = window.print;
    window.print = print;
    try {
      await openFloor();
      await fireEvent.click(screen.getByRole("button", { name: "Print day sheet" }));
      expect(print).toHaveBeenCalledTimes(1);
      const sheet = screen.getByRole("region", { name: /^Day sheet: Harbour Bistro/ });
      const rows = within(sheet).getAllByRole("row");
      expect(rows.length).toBeGreaterThan(5);
      expect(rows[1]).toHaveTextContent(/12:00\s*Amelia Hart\s*1\s*T1\s*confirmed\s*Window table, peanut allergy/);
      expect(within(sheet).queryByText("Farah Ali")).toBeNull(); // cancelled
    } finally {
      window.print = original;
    }
  });

  test("the kitchen has no Floor screen", async () => {
    await renderApp("kitchen");
    expect(navLinks()).not.toContain("Floor");
  });
});

describe("booking form: free times as you type", () => {
  test("shows the free times with tables for the party; choosing one sets the time", async () => {
    const { backend } = await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    const dialog = screen.getByRole("dialog", { name: "New booking" });
    const times = await within(dialog).findByRole("list", { name: /^Free times for 2 on / });
    expect(backend.calls.find((c) => c.cmd === "availability")!.args).toMatchObject({ partySize: 2 });
    expect(within(times).getAllByRole("button").length).toBeGreaterThan(10);
    expect(within(dialog).queryByTestId("availability-estimate")).toBeNull();
    const slot = within(times).getByRole("button", { name: /^19:30 / });
    expect(slot).toHaveTextContent(/T\d|P\d/);
    await fireEvent.click(slot);
    expect(within(dialog).getByLabelText("Time")).toHaveValue("19:30");
    expect(slot).toHaveAttribute("aria-pressed", "true");

    // a party no table (or pair) can seat
    await fireEvent.input(within(dialog).getByLabelText("Party size"), { target: { value: "20" } });
    expect(await within(dialog).findByText(/^No free table for 20 on /)).toBeInTheDocument();
    expect(backend.calls.filter((c) => c.cmd === "availability").at(-1)!.args).toMatchObject({ partySize: 20 });
  });

  test("offline, the free times are marked as an estimate", async () => {
    const { backend } = await renderApp("front_desk");
    backend.state.sync.online = false;
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    expect(await screen.findByTestId("availability-estimate")).toHaveTextContent(
      "Offline: an estimate from this computer's copy; the platform decides when it syncs.",
    );
    expect(await screen.findByRole("list", { name: /^Free times for 2/ })).toBeInTheDocument();
  });

  test("no availability call while the party size is invalid", async () => {
    const { backend } = await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Party size"), { target: { value: "0" } });
    await new Promise((r) => setTimeout(r, 400));
    expect(backend.calls.some((c) => c.cmd === "availability" && c.args.partySize === 0)).toBe(false);
    expect(screen.getByText("Enter a date and a party size to see the free times.")).toBeInTheDocument();
  });
});
