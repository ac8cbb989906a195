import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/svelte";
import { clearMocks } from "@tauri-apps/api/mocks";
import { session } from "../src/lib/session.svelte";

// jsdom lacks ResizeObserver (used by bind:clientHeight)
if (!("ResizeObserver" in globalThis)) {
  class RO {
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  (globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver = RO;
}

afterEach(() => {
  cleanup();
  clearMocks();
  session.state = null;
  session.notice = null;
});
