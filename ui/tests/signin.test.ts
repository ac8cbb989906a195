import { describe, expect, test } from "vitest";
import { fireEvent, screen } from "@testing-library/svelte";
import type { Code } from "../src/lib/bindings/Code";
import { renderApp } from "./helpers";

async function signIn(email: string, password = "correct horse") {
  await fireEvent.input(screen.getByLabelText("Email"), { target: { value: email } });
  await fireEvent.input(screen.getByLabelText("Password"), { target: { value: password } });
  await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("sign in", () => {
  test("Server is prefilled from AppState.server; success shows the console", async () => {
    const { backend } = await renderApp("front_desk", { signedOut: true });
    expect(await screen.findByLabelText("Server")).toHaveValue("https://api.venuedesk.example");
    await signIn("fran@harbour.example");
    expect(await screen.findByRole("navigation", { name: "Screens" })).toBeInTheDocument();
    expect(backend.calls.find((c) => c.cmd === "sign_in")!.args).toEqual({
      server: "https://api.venuedesk.example", email: "fran@harbour.example", password: "correct horse",
    });
  });

  test.each([
    ["fran@harbour.example", "wrong", /email or password is not correct/i],
    ["locked@harbour.example", "x", /temporarily locked/i],
    ["slow@harbour.example", "x", /Too many attempts/i],
  ])("error for %s is explained", async (email, password, message) => {
    await renderApp("owner", { signedOut: true });
    await screen.findByLabelText("Server");
    await signIn(email, password);
    expect(await screen.findByRole("alert")).toHaveTextContent(message);
    expect(screen.queryByRole("navigation", { name: "Screens" })).toBeNull();
  });

  test("MFA step: Code field, bad code explained, good code signs in", async () => {
    const { backend } = await renderApp("owner", { signedOut: true, mfaOnSignIn: true });
    await screen.findByLabelText("Server");
    await signIn("olivia@harbour.example");
    const code = await screen.findByLabelText("Code");
    expect(screen.queryByLabelText("Password")).toBeNull();
    await fireEvent.input(code, { target: { value: "12" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/code is not valid/i);
    await fireEvent.input(screen.getByLabelText("Code"), { target: { value: "123456" } });
    await fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("navigation", { name: "Screens" })).toBeInTheDocument();
    expect(backend.calls.filter((c) => c.cmd === "complete_mfa").map((c) => c.args)).toEqual([{ code: "12" }, { code: "123456" }]);
  });

  test.each<[Code, RegExp]>([
    ["session_revoked", /session was ended/i],
    ["refresh_token_reused", /used from somewhere else/i],
    ["refresh_token_invalid", /session expired/i],
  ])("a %s error from any command returns to sign-in with an explanation", async (code, message) => {
    await renderApp("front_desk", {
      override: (cmd) => {
        if (cmd === "day_view") throw { code, message: "x" };
        return undefined;
      },
    });
    expect(await screen.findByRole("status", {}, { timeout: 2000 })).toBeInTheDocument();
    expect(await screen.findByText(message)).toBeInTheDocument();
    expect(screen.getByLabelText("Server")).toBeInTheDocument();
  });

  test("non-AppError rejections are normalised to code internal", async () => {
    const { toAppError } = await import("../src/lib/backend");
    expect(toAppError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toAppError("text")).toEqual({ code: "internal", message: "text" });
    expect(toAppError({ code: "offline", message: "no net", extra: 1 })).toEqual({ code: "offline", message: "no net" });
  });
});
