import { render, screen, within } from "@testing-library/svelte";
import App from "../src/App.svelte";
import { installMockBackend, type MockOptions } from "../src/mocks";
import type { BuiltinRole } from "../src/lib/permissions";

export async function renderApp(role: BuiltinRole = "owner", opts: MockOptions = {}) {
  const backend = installMockBackend(role, opts);
  const r = render(App);
  if (!opts.signedOut) await screen.findByRole("navigation", { name: "Screens" });
  return { backend, ...r };
}

export function navLinks(): string[] {
  const nav = screen.getByRole("navigation", { name: "Screens" });
  // The label only: the Security link may carry a badge of unseen alerts.
  return within(nav).getAllByRole("link").map((a) => a.firstChild?.textContent?.trim() ?? "");
}
