import { expect, test } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { navLinks, renderApp } from "./helpers";
import { addDays, todayIn } from "../src/lib/time";
import { TZ } from "../src/mocks/fixtures";

const open = async () => {
  await fireEvent.click(screen.getByRole("link", { name: "Settings" }));
  await screen.findByRole("heading", { name: "Settings", level: 1 });
  return screen.findByRole("region", { name: "Tables" });
};
const section = (name: string) => screen.getByRole("region", { name });
/** The tables listed, each as [name, area, seats, pushes together with]. */
const rows = () =>
  within(within(section("Tables")).getByRole("table")).getAllByRole("row").slice(1).map((r) => [
    within(r).getByRole("rowheader").textContent,
    ...within(r).getAllByRole("cell").slice(0, 3).map((c) => c.textContent),
  ]);
const row = (name: string) => rows().find((r) => r[0] === name);
/** The screen's status line (the status bar has its own). */
const said = async (text: string) =>
  waitFor(() => expect(within(screen.getByRole("main")).getByRole("status")).toHaveTextContent(text));
const type = (el: HTMLElement, value: string) => fireEvent.input(el, { target: { value } });

test("only those who manage settings see the screen; it is Alt+9, after Security", async () => {
  await renderApp("owner");
  expect(navLinks().slice(-2)).toEqual(["Security", "Settings"]);
  await fireEvent.keyDown(window, { key: "9", altKey: true });
  expect(await screen.findByRole("heading", { level: 1, name: "Settings" })).toBeInTheDocument();
  // the existing numbers are kept
  await fireEvent.keyDown(window, { key: "8", altKey: true });
  expect(screen.getByRole("heading", { level: 1, name: "Security" })).toBeInTheDocument();
});

test.each(["manager", "front_desk", "kitchen"] as const)("%s does not see Settings", async (role) => {
  const { backend } = await renderApp(role);
  expect(navLinks()).not.toContain("Settings");
  await fireEvent.keyDown(window, { key: "9", altKey: true });
  expect(screen.queryByRole("heading", { level: 1, name: "Settings" })).toBeNull();
  expect(backend.calls.some((c) => c.cmd === "floor_settings")).toBe(false);
});

test("tables are listed by area then name, with seats and what each pushes together with", async () => {
  await renderApp("owner");
  await open();
  await waitFor(() => expect(rows().length).toBe(10));
  expect(rows().map((r) => r[0])).toEqual(["T1", "T2", "T3", "T4", "T5", "T6", "P1", "P2", "P3", "P4"]);
  expect(row("T1")).toEqual(["T1", "Main room", "1–2", "T2"]);
  expect(row("T5")).toEqual(["T5", "Main room", "4–6", "—"]);
  expect(row("P2")).toEqual(["P2", "Terrace", "2–4", "P1"]);
  expect(within(section("Tables")).getByText(/Combinations are kept both ways/)).toBeInTheDocument();
});

test("adding a table that pushes together with another: checked first, sent, listed both ways", async () => {
  const { backend } = await renderApp("owner");
  const tables = await open();
  const add = within(tables).getByRole("button", { name: "Add table" });

  // Refused before anything is sent: no name, then fewest more than most.
  await fireEvent.click(add);
  expect(await within(tables).findByText("Give the table a name, such as T7.")).toBeInTheDocument();
  expect(within(tables).getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
  expect(document.activeElement).toBe(within(tables).getByLabelText("Name"));
  await type(within(tables).getByLabelText("Name"), "T7");
  await type(within(tables).getByLabelText("Fewest seats"), "6");
  await type(within(tables).getByLabelText("Most seats"), "4");
  await fireEvent.click(add);
  expect(await within(tables).findByText("Most seats cannot be fewer than the fewest seats.")).toBeInTheDocument();
  await type(within(tables).getByLabelText("Most seats"), "101");
  await fireEvent.click(add);
  expect(await within(tables).findByText("Most seats: a whole number from 1 to 100.")).toBeInTheDocument();
  expect(backend.calls.some((c) => c.cmd === "save_table")).toBe(false);

  await type(within(tables).getByLabelText("Fewest seats"), "2");
  await type(within(tables).getByLabelText("Most seats"), "4");
  await type(within(tables).getByLabelText("Area"), "Main room");
  const combos = within(tables).getByRole("group", { name: "Pushes together with" });
  await fireEvent.click(within(within(combos).getByRole("group", { name: "Main room" })).getByLabelText("T5"));
  await fireEvent.click(add);
  await waitFor(() => expect(row("T7")).toEqual(["T7", "Main room", "2–4", "T5"]));
  expect(backend.calls.find((c) => c.cmd === "save_table")!.args).toEqual({
    id: null, input: { name: "T7", area: "Main room", seats_min: 2, seats_max: 4, combinable_with: ["t-5"] },
  });
  expect(row("T5")).toEqual(["T5", "Main room", "4–6", "T7"]);
  await said("Added table T7, pushes together with T5.");
  // the form is ready for the next table
  expect(within(tables).getByLabelText("Name")).toHaveValue("");
  // a reload after the write
  const calls = backend.calls.map((c) => c.cmd);
  expect(calls.lastIndexOf("floor_settings")).toBeGreaterThan(calls.indexOf("save_table"));
});

test("changing a table: its combinations are prefilled; unticking one drops it on both sides", async () => {
  const { backend } = await renderApp("owner");
  const tables = await open();
  await fireEvent.click(await within(tables).findByRole("button", { name: "Edit T3" }));
  expect(within(tables).getByRole("heading", { name: "Change table T3" })).toBeInTheDocument();
  expect(document.activeElement).toBe(within(tables).getByLabelText("Name"));
  const combos = within(tables).getByRole("group", { name: "Pushes together with" });
  // a table cannot push together with itself
  expect(within(combos).queryByLabelText("T3")).toBeNull();
  expect(within(combos).getByLabelText("T4")).toBeChecked();
  await fireEvent.click(within(combos).getByLabelText("T4"));
  await fireEvent.click(within(combos).getByLabelText("P3"));
  await fireEvent.click(within(tables).getByRole("button", { name: "Save table T3" }));
  await waitFor(() => expect(row("T3")?.[3]).toBe("P3"));
  expect(backend.calls.find((c) => c.cmd === "save_table")!.args).toEqual({
    id: "t-3", input: { name: "T3", area: "Main room", seats_min: 2, seats_max: 4, combinable_with: ["t-9"] },
  });
  expect(row("T4")?.[3]).toBe("—");
  expect(row("P3")?.[3]).toBe("T3");
});

test("a name another table has is refused with the platform's name_taken", async () => {
  const { backend } = await renderApp("owner");
  const tables = await open();
  await type(within(tables).getByLabelText("Name"), "t1");
  await fireEvent.click(within(tables).getByRole("button", { name: "Add table" }));
  expect(await within(tables).findByRole("alert")).toHaveTextContent("Another table is already called t1: choose another name.");
  expect(within(tables).getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
  expect(backend.calls.filter((c) => c.cmd === "save_table")).toHaveLength(1);
  expect(rows()).toHaveLength(10);
});

test("delete asks first; a table no booking holds goes, one a booking holds says why", async () => {
  const { backend } = await renderApp("owner");
  const tables = await open();
  await fireEvent.click(await within(tables).findByRole("button", { name: "Delete T6" }));
  const keep = within(tables).getByRole("button", { name: "Keep" });
  expect(document.activeElement).toBe(keep);
  await fireEvent.click(keep);
  expect(backend.calls.some((c) => c.cmd === "delete_table")).toBe(false);

  await fireEvent.click(within(tables).getByRole("button", { name: "Delete T6" }));
  expect(within(tables).getByRole("group", { name: "Delete T6?" })).toBeInTheDocument();
  await fireEvent.click(within(tables).getByRole("button", { name: "Yes, delete" }));
  await waitFor(() => expect(row("T6")).toBeUndefined());
  expect(backend.calls.filter((c) => c.cmd === "delete_table")).toEqual([{ cmd: "delete_table", args: { id: "t-6" } }]);
  await said("Deleted table T6.");

  // T1 has a booking today that has not ended.
  await fireEvent.click(within(tables).getByRole("button", { name: "Delete T1" }));
  await fireEvent.click(within(tables).getByRole("button", { name: "Yes, delete" }));
  expect(await within(tables).findByRole("alert")).toHaveTextContent(/^Could not delete T1: .*holds this table/);
  await waitFor(() => expect(document.activeElement).toBe(within(tables).getByRole("button", { name: "Delete T1" })));
  expect(row("T1")).toBeDefined();
});

test("opening hours: a period past midnight is said so; one Save sends the week and the dates", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const hours = section("Opening hours");
  const monday = within(hours).getByRole("group", { name: "Monday" });
  // every day 11:00–02:00: past midnight already
  expect(within(monday).getByText("Closes after midnight, on Tuesday morning.")).toBeInTheDocument();
  await fireEvent.click(within(monday).getByRole("button", { name: "Remove Monday period 1" }));
  expect(within(monday).getByText("Closed all day.")).toBeInTheDocument();
  await fireEvent.click(within(monday).getByRole("button", { name: "Add period on Monday" }));
  const period = within(monday).getByRole("group", { name: "Monday, period 1" });
  expect(within(period).getByLabelText("Opens")).toHaveValue("12:00");
  expect(within(period).queryByText(/after midnight/)).toBeNull();
  await type(within(period).getByLabelText("Opens"), "18:00");
  await type(within(period).getByLabelText("Closes"), "01:30");
  expect(within(period).getByText("Closes after midnight, on Tuesday morning.")).toBeInTheDocument();
  expect(within(period).getByLabelText("Closes")).toHaveAccessibleDescription("Closes after midnight, on Tuesday morning.");

  // A second period on Sunday overlapping the first: refused here, nothing sent.
  const sunday = within(hours).getByRole("group", { name: "Sunday" });
  expect(within(sunday).getByText("Closes after midnight, on Monday morning.")).toBeInTheDocument();
  await fireEvent.click(within(sunday).getByRole("button", { name: "Add period on Sunday" }));
  await fireEvent.click(within(hours).getByRole("button", { name: "Save opening hours" }));
  expect(await within(hours).findByRole("alert")).toHaveTextContent("One period or date needs fixing");
  expect(within(sunday).getByText("Overlaps Sunday 11:00–02:00.")).toBeInTheDocument();
  expect(backend.calls.some((c) => c.cmd === "save_opening_hours")).toBe(false);
  await fireEvent.click(within(sunday).getByRole("button", { name: "Remove Sunday period 2" }));

  // A date closed all day.
  const closedOn = addDays(todayIn(TZ), 30);
  await fireEvent.click(within(hours).getByRole("button", { name: "Add a date" }));
  const date = within(hours).getByRole("group", { name: "Date 2" });
  expect(within(date).getByLabelText("Closed")).toBeChecked();
  await type(within(date).getByLabelText("Date"), closedOn);
  await fireEvent.click(within(hours).getByRole("button", { name: "Save opening hours" }));
  await waitFor(() => expect(backend.calls.some((c) => c.cmd === "save_opening_hours")).toBe(true));
  const sent = backend.calls.find((c) => c.cmd === "save_opening_hours")!.args;
  expect(sent.weekly).toEqual([
    { weekday: 1, opens: "18:00", closes: "01:30" },
    ...[2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, opens: "11:00", closes: "02:00" })),
  ]);
  expect(sent.exceptions).toEqual([
    { date: addDays(todayIn(TZ), 14), closed: false, opens: "18:00", closes: "23:00" },
    { date: closedOn, closed: true, opens: null, closes: null },
  ]);
  await said("Saved the opening hours.");
  await waitFor(() => expect(within(section("Opening hours")).getByRole("group", { name: `Date 2, ${closedOn}` })).toBeInTheDocument());
});

test("booking rules: the slot length and party sizes are checked and sent", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const rules = section("Booking rules");
  const slot = await within(rules).findByLabelText("Slot length");
  expect(slot).toHaveValue("15");
  expect([...(slot as HTMLSelectElement).options].map((o) => o.value)).toEqual(["5", "10", "15", "20", "30", "60"]);
  await fireEvent.change(slot, { target: { value: "30" } });

  // A party-size row that does not start above the one before it is refused here.
  await fireEvent.click(within(rules).getByRole("button", { name: "Add a party size" }));
  const third = within(rules).getByRole("group", { name: "Party sizes, row 3" });
  expect(within(third).getByLabelText("From")).toHaveValue(7);
  await type(within(third).getByLabelText("From"), "4");
  await fireEvent.click(within(rules).getByRole("button", { name: "Save booking rules" }));
  expect(await within(rules).findByRole("alert")).toHaveTextContent("Some rules need fixing");
  expect(within(third).getByText("Must be more than the row above (5).")).toBeInTheDocument();
  expect(backend.calls.some((c) => c.cmd === "save_booking_rules")).toBe(false);
  await type(within(third).getByLabelText("From"), "9");
  await type(within(third).getByLabelText("minutes"), "150");
  await type(within(rules).getByLabelText("Turnover (minutes)"), "20");
  await fireEvent.click(within(rules).getByRole("button", { name: "Save booking rules" }));
  await waitFor(() => expect(backend.calls.some((c) => c.cmd === "save_booking_rules")).toBe(true));
  expect(backend.calls.find((c) => c.cmd === "save_booking_rules")!.args).toEqual({
    rules: {
      slot_minutes: 30,
      default_duration_minutes: [
        { party_size_from: 1, minutes: 90 }, { party_size_from: 5, minutes: 120 }, { party_size_from: 9, minutes: 150 },
      ],
      min_notice_minutes: 60, max_advance_days: 90, turnover_minutes: 20,
    },
  });
  await said("Saved the booking rules.");
  expect(backend.state.rules.slot_minutes).toBe(30);
});

test("offline: the copy kept here is shown, marked, and nothing can be saved", async () => {
  const { backend } = await renderApp("owner", { settingsOffline: true });
  const tables = await open();
  expect(await screen.findByTestId("settings-offline")).toHaveTextContent(/copy kept on this computer.*saving is turned off/s);
  await waitFor(() => expect(rows()).toHaveLength(10));
  expect(within(tables).getByRole("button", { name: "Add table" })).toBeDisabled();
  expect(within(tables).getByRole("button", { name: "Delete T6" })).toBeDisabled();
  expect(within(section("Opening hours")).getByRole("button", { name: "Save opening hours" })).toBeDisabled();
  expect(within(section("Booking rules")).getByRole("button", { name: "Save booking rules" })).toBeDisabled();
  expect(backend.calls.filter((c) => ["save_table", "delete_table", "save_opening_hours", "save_booking_rules"].includes(c.cmd))).toEqual([]);
});

test("the mocked sync going offline marks the settings offline too", async () => {
  const { backend } = await renderApp("owner");
  backend.state.sync.online = false;
  await open();
  expect(await screen.findByTestId("settings-offline")).toBeInTheDocument();
  expect(screen.getByRole("button", { name: "Save booking rules" })).toBeDisabled();
});
