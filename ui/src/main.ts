import { mount } from "svelte";
import App from "./App.svelte";
import "./app.css";
import type { BuiltinRole } from "./lib/permissions";

async function start() {
  // Statically false in `vite build` (mode "production"): the mock chunk is dropped.
  if (import.meta.env.MODE === "mock") {
    const { installMockBackend } = await import("./mocks");
    const q = new URLSearchParams(location.search);
    const roles: BuiltinRole[] = ["owner", "manager", "front_desk", "kitchen"];
    const asked = q.get("role") as BuiltinRole | null;
    installMockBackend(asked && roles.includes(asked) ? asked : "owner", {
      signedOut: q.get("signed_out") === "1",
      conflicts: q.get("conflicts") === "1",
      integrationsOffline: q.get("integrations_offline") === "1",
      settingsOffline: q.get("settings_offline") === "1",
      bookingsToday: q.get("bookings") ? Number(q.get("bookings")) : undefined,
      // a big floor for the render benchmark: ?floor_tables=300&floor_bookings=1000
      floorTables: q.get("floor_tables") ? Number(q.get("floor_tables")) : undefined,
      floorBookings: q.get("floor_bookings") ? Number(q.get("floor_bookings")) : undefined,
    });
  }
  mount(App, { target: document.getElementById("app")! });
}

void start();
