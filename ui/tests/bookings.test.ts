import { afterEach, describe, expect, test, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renderApp } from "./helpers";

describe("booking form", () => {
  afterEach(() => vi.useRealTimers());

  test("defaults: Date today, Time next quarter hour, Duration 90 (venue time zone)", async () => {
    // 17:07 UTC on 14 June 2025 is 18:07 in London (BST)
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2025-06-14T17:07:00Z"));
    await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    expect(screen.getByRole("dialog", { name: "New booking" })).toBeInTheDocument();
    expect(screen.getByLabelText("Date")).toHaveValue("2025-06-14");
    expect(screen.getByLabelText("Time")).toHaveValue("18:15");
    expect(screen.getByLabelText("Duration")).toHaveValue(90);
    expect(screen.getByLabelText("Guest name")).toHaveValue("");
    expect(screen.getByLabelText("Party size")).toBeInTheDocument();
    expect(screen.getByLabelText("Notes")).toBeInTheDocument();
  });

  test("validation: empty name and bad party size are reported on the fields, nothing is sent", async () => {
    const { backend } = await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Party size"), { target: { value: "0" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));

    const name = screen.getByLabelText("Guest name");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("Enter the guest's name.");
    const party = screen.getByLabelText("Party size");
    expect(party).toHaveAttribute("aria-invalid", "true");
    expect(party).toHaveAccessibleDescription(/1 to 100/);
    expect(backend.calls.some((c) => c.cmd === "create_booking")).toBe(false);

    await fireEvent.input(screen.getByLabelText("Party size"), { target: { value: "101" } });
    await fireEvent.input(screen.getByLabelText("Duration"), { target: { value: "10" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByLabelText("Party size")).toHaveAccessibleDescription(/1 to 100/);
    expect(screen.getByLabelText("Duration")).toHaveAccessibleDescription(/15 to 720/);
    expect(backend.calls.some((c) => c.cmd === "create_booking")).toBe(false);
  });

  test("a valid booking is created with the contract's argument shape and listed", async () => {
    const { backend } = await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Guest name"), { target: { value: "Zed Quill" } });
    await fireEvent.input(screen.getByLabelText("Party size"), { target: { value: "4" } });
    await fireEvent.input(screen.getByLabelText("Time"), { target: { value: "19:30" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const call = backend.calls.find((c) => c.cmd === "create_booking")!;
    expect(call.args.input).toMatchObject({ guest_name: "Zed Quill", party_size: 4, time: "19:30", duration_minutes: 90, notes: null, customer_id: null });
    expect(await screen.findByRole("button", { name: /Zed Quill/ })).toBeInTheDocument();
  });

  test("customer lookup shows allergen flags and links the customer", async () => {
    const { backend } = await renderApp("front_desk");
    await fireEvent.click(await screen.findByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Find customer"), { target: { value: "amelia" } });
    await fireEvent.click(screen.getByRole("button", { name: "Look up" }));
    expect(await screen.findByText("Allergen: peanuts")).toBeInTheDocument();
    await fireEvent.click(screen.getByRole("button", { name: "Use Amelia Hart" }));
    expect(screen.getByLabelText("Guest name")).toHaveValue("Amelia Hart");
    expect(backend.calls.find((c) => c.cmd === "list_customers")!.args).toEqual({ search: "amelia" });
  });
});

describe("bookings list", () => {
  test("is virtualised: 10,000 bookings keep fewer than 500 rows in the DOM", async () => {
    const { container } = await renderApp("front_desk", { bookingsToday: 10_000 });
    expect(await screen.findByText("10000 bookings")).toBeInTheDocument();
    const rows = container.querySelectorAll('[data-testid="booking-row"]');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(500);
    // the scroll area is as tall as all rows, and scrolling renders a later window
    const inner = container.querySelector(".vlist-inner") as HTMLElement;
    expect(inner.style.height).toBe(`${10_000 * 44}px`);
    const scroller = container.querySelector(".vlist") as HTMLElement;
    scroller.scrollTop = 5000 * 44;
    await fireEvent.scroll(scroller);
    const after = container.querySelectorAll('[data-testid="booking-row"]');
    expect(after.length).toBeLessThan(500);
    expect((after[0] as HTMLElement).style.top).not.toBe("0px");
    expect(Number.parseInt((after[0] as HTMLElement).style.top)).toBeGreaterThan(4900 * 44);
  });

  test("day_view is asked for today (date null), then previous day; search filters", async () => {
    const { backend } = await renderApp("front_desk");
    await screen.findByText(/bookings$/);
    expect(backend.calls.find((c) => c.cmd === "day_view")!.args).toEqual({ date: null, search: null });
    await fireEvent.click(screen.getByRole("button", { name: "Previous day" }));
    await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "day_view").length).toBe(2));
    expect(backend.calls.filter((c) => c.cmd === "day_view")[1].args.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test("seat via selection and the s shortcut; pending bookings are badged", async () => {
    const { backend } = await renderApp("front_desk");
    backend.state.sync.online = false; // offline: created bookings are pending
    await fireEvent.click(await screen.findByRole("button", { name: /^12:00 Amelia Hart/ }));
    await fireEvent.keyDown(window, { key: "s" });
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "booking_action")).toBe(true));
    expect(backend.calls.find((c) => c.cmd === "booking_action")!.args).toMatchObject({ action: "seat" });
    expect(await screen.findByRole("button", { name: /^12:00 Amelia Hart.*Seated/ })).toBeInTheDocument();

    await fireEvent.keyDown(window, { key: "n" });
    await fireEvent.input(screen.getByLabelText("Guest name"), { target: { value: "Offline Olly" } });
    // shortcuts are ignored while typing
    await fireEvent.keyDown(screen.getByLabelText("Guest name"), { key: "s" });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    const row = await screen.findByRole("button", { name: /Offline Olly/ });
    expect(row).toHaveTextContent("Pending sync");
    expect(backend.calls.filter((c) => c.cmd === "booking_action")).toHaveLength(1);
  });
});

describe("after saving a booking", () => {
  test("the new booking is selected and scrolled into view, with its Pending sync badge, list still virtualised", async () => {
    const { backend, container } = await renderApp("front_desk", { bookingsToday: 300 });
    expect(await screen.findByText("300 bookings")).toBeInTheDocument();
    backend.state.sync.online = false;
    const scroller = container.querySelector(".vlist") as HTMLElement;
    expect(scroller.scrollTop).toBe(0);

    await fireEvent.click(screen.getByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Guest name"), { target: { value: "Late Lola" } });
    await fireEvent.input(screen.getByLabelText("Time"), { target: { value: "23:30" } }); // last of 301 rows
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));

    const row = await screen.findByRole("button", { name: /^23:30 Late Lola/ });
    expect(row).toHaveAttribute("aria-pressed", "true");
    expect(row).toHaveTextContent("Pending sync");
    expect(screen.getByRole("region", { name: "Selected booking" })).toHaveTextContent("23:30 Late Lola");
    expect(scroller.scrollTop).toBeGreaterThan(250 * 44);
    expect(container.querySelectorAll('[data-testid="booking-row"]').length).toBeLessThan(500);
  });

  test("a booking saved for another day opens that day with the booking selected", async () => {
    await renderApp("front_desk");
    await screen.findByText(/bookings$/);
    await fireEvent.click(screen.getByRole("button", { name: "New booking" }));
    await fireEvent.input(screen.getByLabelText("Guest name"), { target: { value: "Future Fay" } });
    await fireEvent.input(screen.getByLabelText("Date"), { target: { value: "2031-03-04" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("heading", { name: /4 March 2031/ })).toBeInTheDocument();
    expect(await screen.findByRole("button", { name: /Future Fay/ })).toHaveAttribute("aria-pressed", "true");
  });
});

describe("covers chart", () => {
  test("hour labels are full times on a 2 or 3 hour grid; the chart has a text alternative", async () => {
    const { container } = await renderApp("front_desk");
    await screen.findByText(/bookings$/);
    const ticks = [...container.querySelectorAll(".slot .tick")].map((t) => t.textContent);
    expect(ticks.length).toBeGreaterThan(2);
    for (const t of ticks) expect(t).toMatch(/^\d\d:00$/);
    const chart = screen.getByRole("img", { name: /^Peak \d+ of 40 covers at \d\d:\d\d/ });
    expect(chart).toBeInTheDocument();
    const table = screen.getByRole("table", { name: /Booked covers per 15 minutes/ });
    expect(within(table).getAllByRole("row").length).toBeGreaterThan(1);
  });
});
