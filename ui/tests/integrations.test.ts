import { afterEach, expect, test, vi } from "vitest";
import { fireEvent, screen, waitFor, within } from "@testing-library/svelte";
import { navLinks, renderApp } from "./helpers";

const open = async () => {
  await fireEvent.click(screen.getByRole("link", { name: "Integrations" }));
  await screen.findByRole("heading", { name: "Integrations", level: 1 });
};
const section = (name: string) => screen.getByRole("region", { name });

afterEach(() => vi.unstubAllGlobals());

test("an owner creates an API client: the secret is shown once, copied, then gone from the screen", async () => {
  const writeText = vi.fn().mockResolvedValue(undefined);
  vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
  const { backend } = await renderApp("owner");
  await open();
  const clients = await screen.findByRole("region", { name: "API clients" });
  expect(within(clients).getByText("Till in the bar")).toBeInTheDocument();
  // Only permissions a program may hold are offered.
  const perms = within(clients).getByRole("group", { name: "Client permissions" });
  expect(within(perms).getByLabelText("bookings:read")).toBeInTheDocument();
  expect(within(perms).queryByLabelText("members:manage")).toBeNull();
  expect(within(perms).queryByLabelText("webhooks:manage")).toBeNull();

  // Refused before anything is sent: no name, then no permission.
  await fireEvent.click(within(clients).getByRole("button", { name: "Create API client" }));
  expect(await within(clients).findByRole("alert")).toHaveTextContent("Give the API client a name");
  await fireEvent.input(within(clients).getByLabelText("Client name"), { target: { value: "Accounting export" } });
  await fireEvent.click(within(clients).getByRole("button", { name: "Create API client" }));
  expect(await within(clients).findByRole("alert")).toHaveTextContent("at least one permission");
  expect(backend.calls.some((c) => c.cmd === "create_api_client")).toBe(false);

  await fireEvent.click(within(perms).getByLabelText("orders:read"));
  await fireEvent.click(within(clients).getByRole("button", { name: "Create API client" }));
  const shown = await screen.findByTestId("shown-once");
  const secret = shown.textContent ?? "";
  expect(secret).toMatch(/^vdcs_/);
  expect(backend.calls.find((c) => c.cmd === "create_api_client")!.args).toEqual({ name: "Accounting export", permissions: ["orders:read"] });
  expect(await within(section("API clients")).findByText("Accounting export")).toBeInTheDocument();

  await fireEvent.click(screen.getByRole("button", { name: "Copy" }));
  await waitFor(() => expect(writeText).toHaveBeenCalledWith(secret));
  expect(await screen.findByText("Copied.")).toBeInTheDocument();
  // Focus went to the secret when it appeared, and to the heading when it is put away.
  expect(document.activeElement).toBe(screen.getByRole("group", { name: "Secret of Accounting export" }));
  await fireEvent.click(screen.getByRole("button", { name: "I have saved it" }));
  expect(screen.queryByTestId("shown-once")).toBeNull();
  expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Integrations", level: 1 }));
  expect(document.body.textContent).not.toContain(secret);
});

test("rotating a client's secret says until when the old one works; delete takes it off the list", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const clients = await screen.findByRole("region", { name: "API clients" });
  await fireEvent.click(within(clients).getByRole("button", { name: "Rotate secret of Till in the bar" }));
  expect(await screen.findByText(/The old one keeps working until/)).toBeInTheDocument();
  expect(await within(clients).findByText(/old secret works until/)).toBeInTheDocument();
  // Delete asks first; "Keep" (focused) changes nothing.
  await fireEvent.click(within(clients).getByRole("button", { name: "Delete API client Till in the bar" }));
  const keep = within(clients).getByRole("button", { name: "Keep" });
  expect(document.activeElement).toBe(keep);
  await fireEvent.click(keep);
  expect(backend.calls.some((c) => c.cmd === "delete_api_client")).toBe(false);
  await fireEvent.click(within(clients).getByRole("button", { name: "Delete API client Till in the bar" }));
  await fireEvent.click(within(clients).getByRole("button", { name: "Yes, delete" }));
  await waitFor(() => expect(within(section("API clients")).queryByText("Till in the bar")).toBeNull());
  expect(backend.calls.filter((c) => c.cmd === "delete_api_client")).toEqual([{ cmd: "delete_api_client", args: { id: "ac-1" } }]);
});

test("a publishable key takes https origins only and shows the key once", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const keys = await screen.findByRole("region", { name: "Publishable keys" });
  expect(within(keys).getByText("https://harbourbistro.example")).toBeInTheDocument();
  const origins = within(keys).getByLabelText(/Website origins/);
  await fireEvent.input(origins, { target: { value: "http://harbourbistro.example" } });
  await fireEvent.click(within(keys).getByRole("button", { name: "Create publishable key" }));
  expect(await within(keys).findByRole("alert")).toHaveTextContent("is not an https:// origin");
  expect(backend.calls.some((c) => c.cmd === "create_public_key")).toBe(false);
  await fireEvent.input(origins, { target: { value: "https://harbourbistro.example https://book.harbourbistro.example" } });
  await fireEvent.click(within(keys).getByRole("button", { name: "Create publishable key" }));
  expect((await screen.findByTestId("shown-once")).textContent).toMatch(/^pk_live_/);
  expect(backend.calls.find((c) => c.cmd === "create_public_key")!.args).toEqual({
    origins: ["https://harbourbistro.example", "https://book.harbourbistro.example"],
  });
});

test("webhooks: add an endpoint, read the delivery log, retry a delivery, pause it", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const hooks = await screen.findByRole("region", { name: "Webhooks" });
  await fireEvent.click(within(hooks).getByRole("button", { name: "Delivery log of https://hooks.harbourbistro.example/venuedesk" }));
  const log = await screen.findByRole("region", { name: /^Deliveries to/ });
  const rows = within(log).getAllByRole("row").slice(1);
  expect(rows.map((r) => within(r).getAllByRole("cell").slice(0, 4).map((c) => c.textContent))).toEqual([
    ["order.created", "Waiting", "2", "503"],
    ["booking.created", "Delivered", "1", "200"],
  ]);
  await fireEvent.click(within(log).getByRole("button", { name: "Retry now: order.created" }));
  await waitFor(() =>
    expect(backend.calls.find((c) => c.cmd === "retry_delivery")!.args).toEqual({ webhookId: "wh-1", deliveryId: "d-2" }));

  await fireEvent.click(within(hooks).getByRole("button", { name: "Pause https://hooks.harbourbistro.example/venuedesk" }));
  expect(await within(hooks).findByRole("button", { name: "Resume https://hooks.harbourbistro.example/venuedesk" })).toBeInTheDocument();
  expect(within(hooks).getByText("Paused")).toBeInTheDocument();

  // A new endpoint: its signing secret once, and its (empty) log opens.
  await fireEvent.input(within(hooks).getByLabelText("Endpoint URL"), { target: { value: "https://pos.example/hooks" } });
  await fireEvent.click(within(hooks).getByLabelText("order.status"));
  await fireEvent.click(within(hooks).getByRole("button", { name: "Add endpoint" }));
  expect((await screen.findByTestId("shown-once")).textContent).toMatch(/^whsec_/);
  expect(backend.calls.find((c) => c.cmd === "create_webhook")!.args).toEqual({
    url: "https://pos.example/hooks", events: ["booking.created", "order.status"],
  });
  expect(await screen.findByRole("heading", { name: "Deliveries to https://pos.example/hooks" })).toBeInTheDocument();
  expect(await screen.findByText(/Nothing sent yet/)).toBeInTheDocument();
});

test("payment settings: the secret goes in, only 'set up' comes back", async () => {
  const { backend } = await renderApp("owner");
  await open();
  const pay = await screen.findByRole("region", { name: "Payments" });
  expect(within(pay).getByTestId("payments-state")).toHaveTextContent("not set up");
  const field = within(pay).getByLabelText("Stripe webhook signing secret");
  expect(field).toHaveAttribute("type", "password");
  await fireEvent.input(field, { target: { value: "whsec_from_stripe_dashboard" } });
  await fireEvent.click(within(pay).getByRole("button", { name: "Save payment settings" }));
  await waitFor(() => expect(within(section("Payments")).getByTestId("payments-state")).toHaveTextContent("through Stripe are set up"));
  expect(backend.calls.find((c) => c.cmd === "save_payment_settings")!.args).toEqual({ provider: "stripe", webhookSecret: "whsec_from_stripe_dashboard" });
  expect(within(section("Payments")).getByLabelText("Stripe webhook signing secret")).toHaveValue("");
  expect(document.body.textContent).not.toContain("whsec_from_stripe_dashboard");
});

test("offline: the last lists read are shown, marked, and a change says it needs the platform", async () => {
  await renderApp("owner", { integrationsOffline: true });
  await open();
  expect(await screen.findByTestId("integrations-offline")).toHaveTextContent(/Offline: showing what was read at/);
  expect(within(section("API clients")).getByText("Till in the bar")).toBeInTheDocument();
  const keys = section("Publishable keys");
  await fireEvent.input(within(keys).getByLabelText(/Website origins/), { target: { value: "https://harbourbistro.example" } });
  await fireEvent.click(within(keys).getByRole("button", { name: "Create publishable key" }));
  expect(await within(keys).findByRole("alert")).toHaveTextContent(/offline.*Nothing was changed/i);
  expect(screen.queryByTestId("shown-once")).toBeNull();
});

test("only roles that manage an integration see the screen", async () => {
  await renderApp("manager");
  expect(navLinks()).not.toContain("Integrations");
  await fireEvent.keyDown(window, { key: "7", altKey: true });
  expect(screen.queryByRole("heading", { name: "Integrations" })).toBeNull();
});
