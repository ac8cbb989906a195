import { expect, test } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renderApp } from "./helpers";

const column = (name: string) => screen.getByRole("region", { name: new RegExp(`^${name}`) });

test("one click moves an order forward to the next column", async () => {
  const { backend } = await renderApp("kitchen");
  await screen.findAllByRole("button", { name: "Start" });
  const received = column("Received");
  const card = within(received).getByText("Table 4").closest("li")!;
  await fireEvent.click(within(card as HTMLElement).getByRole("button", { name: "Start" }));
  await waitFor(() => expect(within(column("Preparing")).getByText("Table 4")).toBeInTheDocument());
  expect(within(column("Received")).queryByText("Table 4")).toBeNull();
  expect(backend.calls.find((c) => c.cmd === "set_order_status")!.args).toEqual({ id: "o-1", status: "preparing" });
});

test("keyboard: Enter or → on the focused card moves it forward; focus follows the card", async () => {
  const { backend } = await renderApp("kitchen");
  await screen.findAllByRole("button", { name: "Start" });
  const ready = within(column("Preparing")).getByRole("button", { name: "Ready" });
  ready.focus();
  await fireEvent.keyDown(ready, { key: "ArrowRight" });
  await waitFor(() => expect(within(column("Ready")).getByText("Table 2")).toBeInTheDocument());
  expect(backend.calls.find((c) => c.cmd === "set_order_status")!.args).toEqual({ id: "o-3", status: "ready" });
  await waitFor(() => expect(document.activeElement).toHaveTextContent("Served"));
  // served orders leave the board
  await fireEvent.click(within(column("Ready")).getAllByRole("button", { name: "Served" })[0]);
  await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "set_order_status")).toHaveLength(2));
});

test("orders are re-fetched after a sync", async () => {
  const { backend } = await renderApp("kitchen");
  await screen.findAllByRole("button", { name: "Start" });
  const before = backend.calls.filter((c) => c.cmd === "list_orders").length;
  await fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
  await waitFor(() => expect(backend.calls.filter((c) => c.cmd === "list_orders").length).toBeGreaterThan(before), { timeout: 3000 });
});
