import { expect, test } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { renderApp } from "./helpers";

const securityLink = () => screen.getByRole("link", { name: /^Security/ });

test("an owner sees a badge of unseen alerts, the list on Security, and clears it", async () => {
  const { backend } = await renderApp("owner");
  // The badge: its number for the eye, a sentence for screen readers.
  await waitFor(() => expect(securityLink()).toHaveAccessibleName("Security, 2 new security alerts"));
  await fireEvent.click(securityLink());
  const alerts = await screen.findByRole("region", { name: "Alerts" });
  const rows = within(alerts).getAllByRole("row").slice(1);
  expect(rows).toHaveLength(2);
  expect(rows[0]).toHaveTextContent("Audit trail exported");
  expect(rows[0]).toHaveTextContent("New");
  expect(within(rows[0]).getByRole("cell", { name: "3" })).toBeInTheDocument();
  expect(within(rows[0]).getByRole("cell", { name: "#88" })).toBeInTheDocument();
  expect(rows[1]).toHaveTextContent("Account locked out");

  await fireEvent.click(within(alerts).getByRole("button", { name: "Mark all as seen" }));
  await waitFor(() => expect(within(alerts).getByRole("status")).toHaveTextContent("All alerts marked as seen."));
  expect(within(alerts).queryByText("New")).toBeNull();
  await waitFor(() => expect(securityLink()).toHaveAccessibleName("Security"));
  expect(backend.calls.some((c) => c.cmd === "mark_alerts_seen")).toBe(true);
});

test("a manager has no alerts: no badge, no Alerts section", async () => {
  const { backend } = await renderApp("manager");
  await fireEvent.click(securityLink());
  await screen.findByRole("heading", { name: "Active sessions" });
  expect(screen.queryByRole("region", { name: "Alerts" })).toBeNull();
  expect(securityLink()).toHaveAccessibleName("Security");
  expect(backend.calls.some((c) => c.cmd === "mark_alerts_seen")).toBe(false);
});
