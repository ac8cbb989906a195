import { describe, expect, test } from "vitest";
import { fireEvent, screen, within } from "@testing-library/svelte";
import { navLinks, renderApp } from "./helpers";

const openScreen = async (name: string) => {
  await fireEvent.click(screen.getByRole("link", { name }));
};

describe("permission gating per built-in role", () => {
  test("owner sees every screen and every action", async () => {
    await renderApp("owner");
    expect(navLinks()).toEqual(["Bookings", "Floor", "Orders", "Customers", "Team", "Audit", "Integrations", "Security", "Settings"]);
    expect(screen.getByTestId("venue-name")).toHaveTextContent("Harbour Bistro");
    expect(screen.getByLabelText("Venue")).toBeInTheDocument(); // two venues → switcher
    expect(await screen.findByRole("button", { name: "New booking" })).toBeInTheDocument();

    await openScreen("Team");
    expect(await screen.findByRole("button", { name: "Invite" })).toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Permissions" })).toBeInTheDocument();
    expect(screen.getAllByRole("button", { name: /^Remove / }).length).toBeGreaterThan(0);
    expect(screen.getAllByText(/A venue always keeps at least one owner/).length).toBeGreaterThan(0);

    await openScreen("Audit");
    expect(await screen.findByRole("button", { name: "Export" })).toBeInTheDocument();

    await openScreen("Customers");
    await fireEvent.click(await screen.findByRole("button", { name: /Amelia Hart/ }));
    expect(screen.getByRole("button", { name: "Erase" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "New customer" })).toBeInTheDocument();
  });

  test("manager: operations, audit export, erase; team is read-only", async () => {
    await renderApp("manager");
    expect(navLinks()).toEqual(["Bookings", "Floor", "Orders", "Customers", "Team", "Audit", "Security"]);
    expect(await screen.findByRole("button", { name: "New booking" })).toBeInTheDocument();

    await openScreen("Team");
    expect(await screen.findByRole("cell", { name: /Olivia Owner/ })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Invite" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Remove / })).toBeNull();
    expect(screen.queryByRole("group", { name: "Permissions" })).toBeNull();
    expect(screen.queryByRole("combobox", { name: /Role for/ })).toBeNull();

    await openScreen("Audit");
    expect(await screen.findByRole("button", { name: "Export" })).toBeInTheDocument();

    await openScreen("Customers");
    await fireEvent.click(await screen.findByRole("button", { name: /Amelia Hart/ }));
    expect(screen.getByRole("button", { name: "Erase" })).toBeInTheDocument();
  });

  test("front desk: bookings, orders (read only), customers without erase", async () => {
    await renderApp("front_desk");
    expect(navLinks()).toEqual(["Bookings", "Floor", "Orders", "Customers", "Security"]);
    expect(await screen.findByRole("button", { name: "New booking" })).toBeInTheDocument();

    await openScreen("Orders");
    expect(await screen.findAllByTestId("order-card")).not.toHaveLength(0);
    expect(screen.queryByRole("button", { name: "Start" })).toBeNull();

    await openScreen("Customers");
    await fireEvent.click(await screen.findByRole("button", { name: /Amelia Hart/ }));
    expect(screen.getByRole("button", { name: "New customer" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Export" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Erase" })).toBeNull();
  });

  test("kitchen sees Orders and Security only, and can move orders", async () => {
    await renderApp("kitchen");
    expect(navLinks()).toEqual(["Orders", "Security"]);
    expect(screen.getByRole("heading", { level: 1, name: "Orders" })).toBeInTheDocument();
    expect(await screen.findAllByRole("button", { name: "Start" })).not.toHaveLength(0);
    expect(screen.queryByRole("button", { name: "New booking" })).toBeNull();
  });

  test("Alt+number switches only to permitted screens", async () => {
    await renderApp("front_desk");
    await fireEvent.keyDown(window, { key: "4", altKey: true });
    expect(screen.getByRole("heading", { level: 1, name: "Customers" })).toBeInTheDocument();
    await fireEvent.keyDown(window, { key: "6", altKey: true }); // Audit: not allowed
    expect(screen.getByRole("heading", { level: 1, name: "Customers" })).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "Screens" });
    expect(within(nav).getByRole("link", { name: "Customers" })).toHaveAttribute("aria-current", "page");
  });
});
