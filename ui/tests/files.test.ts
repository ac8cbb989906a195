// Files are written only where the person chooses in the native save dialog, which the
// Rust command opens itself: nothing the UI sends names a path, and a cancelled dialog is
// an answer, not an error.
import { describe, expect, test } from "vitest";
import { fireEvent, screen, waitFor } from "@testing-library/svelte";
import * as api from "../src/lib/backend";
import { installMockBackend } from "../src/mocks";
import { renderApp } from "./helpers";

const FILE_COMMANDS = new Set(["save_text_file", "export_customer", "export_audit"]);

const openScreen = async (name: string) => {
  await fireEvent.click(screen.getByRole("link", { name }));
};

describe("saving files", () => {
  test("the backend's save and export functions send no path", async () => {
    const backend = installMockBackend("owner");
    await api.saveTextFile("abcd-efgh\n");
    await api.exportCustomer("c-1");
    await api.exportAudit({ from: "2025-01-01", to: null, actor_id: null, action: null }, "jsonl");
    const sent = backend.calls.filter((c) => FILE_COMMANDS.has(c.cmd)).map((c) => [c.cmd, Object.keys(c.args).sort()]);
    expect(sent).toEqual([
      ["save_text_file", ["contents"]],
      ["export_customer", ["id"]],
      ["export_audit", ["filter", "format"]],
    ]);
    // and the UI never opens a dialog of its own (the plugin's JS `save()`)
    expect(backend.calls.filter((c) => c.cmd.startsWith("plugin:dialog"))).toEqual([]);
  });

  test("a customer export says where the file went; its call names no path", async () => {
    const { backend } = await renderApp("manager");
    await openScreen("Customers");
    await fireEvent.click(await screen.findByRole("button", { name: /Amelia Hart/ }));
    await fireEvent.click(screen.getByRole("button", { name: "Export" }));
    await waitFor(() =>
      expect(screen.getAllByRole("status").map((s) => s.textContent).join(" "))
        .toMatch(/Exported Amelia Hart to \/home\/staff\/Documents\/customer-/),
    );
    const call = backend.calls.find((c) => c.cmd === "export_customer")!;
    expect(Object.keys(call.args)).toEqual(["id"]);
  });

  test("cancelling the save dialog is quiet: no error, no result", async () => {
    const { backend } = await renderApp("manager", { saveDialog: "cancel" });
    await openScreen("Audit");
    const exportButton = await screen.findByRole("button", { name: "Export" });
    await fireEvent.click(exportButton);
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "export_audit")).toBe(true));
    await waitFor(() => expect(exportButton).not.toBeDisabled());
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByText(/Chain verified/)).toBeNull();

    await openScreen("Customers");
    await fireEvent.click(await screen.findByRole("button", { name: /Amelia Hart/ }));
    await fireEvent.click(screen.getByRole("button", { name: "Export" }));
    await waitFor(() => expect(backend.calls.some((c) => c.cmd === "export_customer")).toBe(true));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByText(/Exported/)).toBeNull();
  });
});
