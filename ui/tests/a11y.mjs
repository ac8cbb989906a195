// Accessibility + layout check of the mocked UI (dist-mock) in a real Chromium.
// Serves dist-mock on a loopback port with the desktop app's strict CSP, visits every
// screen for the relevant roles, runs axe-core and fails on serious/critical violations,
// on CSP violations, and on horizontal overflow at 1280×800 and at 200% zoom.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(here, "../dist-mock");
const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ipc: http://ipc.localhost";
/** @type {Record<string, string>} */
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json" };

if (!existsSync(join(root, "index.html"))) {
  console.error("dist-mock/index.html missing: run `npm run build:mock` first");
  process.exit(1);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://x");
    let file;
    if (url.pathname === "/__axe__/axe.min.js") file = axePath;
    else {
      file = normalize(join(root, decodeURIComponent(url.pathname)));
      if (!file.startsWith(root)) throw new Error("outside root");
      if (url.pathname.endsWith("/") || !(await stat(file).catch(() => null))?.isFile()) file = join(root, "index.html");
    }
    const body = await readFile(file);
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", "Content-Security-Policy": CSP });
    res.end(body);
  } catch {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
const base = `http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}/`;

async function waitForChromium() {
  for (let i = 0; i < 30; i++) {
    if (existsSync(CHROMIUM)) return;
    console.log(`waiting for ${CHROMIUM} …`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  throw new Error(`${CHROMIUM} not found`);
}
await waitForChromium();

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

/** @typedef {import("playwright-core").Page} Page */
/** @type {string[]} */
const failures = [];
let checks = 0;

/** @param {{ width?: number, height?: number, scale?: number, scheme?: "light" | "dark" }} [opts] */
async function newPage({ width = 1280, height = 800, scale = 1, scheme = "light" } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: scale, colorScheme: scheme });
  // no remote resources: anything leaving 127.0.0.1 is a failure
  await context.route("**/*", (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === "127.0.0.1" || u.protocol === "data:") return route.continue();
    failures.push(`remote request blocked: ${u.href}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) failures.push(`CSP: ${text}`);
  });
  page.on("pageerror", (err) => failures.push(`page error: ${err.message}`));
  return page;
}

/** @param {Page} page @param {string} label */
async function axe(page, label) {
  checks++;
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ url: "/__axe__/axe.min.js" });
  /** @type {{ id: string, impact: string | null, help: string, nodes: string[] }[]} */
  const result = await page.evaluate(async () => {
    /** @type {any} */
    const w = window;
    const r = await w.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((/** @type {any} */ v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((/** @type {any} */ n) => n.target.join(" ")).slice(0, 5),
    }));
  });
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of result.filter((x) => !bad.includes(x))) console.log(`  [${label}] (${v.impact}) ${v.id}: ${v.help}`);
  for (const v of bad) failures.push(`[${label}] ${v.impact} ${v.id}: ${v.help}\n      ${v.nodes.join("\n      ")}`);
  console.log(`axe ${bad.length ? "FAIL" : "ok  "} ${label}`);
}

/** @param {Page} page @param {string} label */
async function noOverflow(page, label) {
  checks++;
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  if (o.sw > o.cw + 1) failures.push(`[${label}] horizontal overflow: scrollWidth ${o.sw} > clientWidth ${o.cw}`);
  console.log(`layout ${o.sw > o.cw + 1 ? "FAIL" : "ok  "} ${label} (${o.sw}/${o.cw})`);
}

/** @param {Page} page @param {string} query */
async function open(page, query) {
  await page.goto(`${base}?${query}`);
  await page.waitForSelector("main");
}
/** Settings › Floor with everything open: a table being changed (name taken), a Delete
 * waiting for its confirmation, a new period overlapping, a new date, a new party size.
 * @param {Page} page */
async function openSettingsForms(page) {
  await page.getByRole("button", { name: "Edit T3" }).click();
  await page.getByLabel("Name", { exact: true }).fill("T1");
  await page.getByRole("button", { name: "Save table T3" }).click();
  await page.getByText("Another table is already called T1: choose another name.").waitFor();
  await page.getByRole("button", { name: "Delete T6" }).click();
  await page.getByRole("button", { name: "Yes, delete" }).waitFor();
  await page.getByRole("button", { name: "Add period on Monday" }).click();
  await page.getByRole("button", { name: "Add a date" }).click();
  await page.getByRole("button", { name: "Save opening hours" }).click();
  await page.getByText(/periods or dates need fixing/).waitFor();
  await page.getByRole("button", { name: "Add a party size" }).click();
  await page.getByLabel("Turnover (minutes)").fill("999");
  await page.getByRole("button", { name: "Save booking rules" }).click();
  await page.getByText("Some rules need fixing: see below.").waitFor();
}
/** @param {Page} page @param {string} name @param {() => Promise<unknown>} [ready] */
async function go(page, name, ready) {
  // A link's name may go on after the screen's (the Security badge: "Security, 2 new security alerts").
  const link = new RegExp(`^${name}(?![A-Za-z])`);
  await page.getByRole("navigation", { name: "Screens" }).getByRole("link", { name: link }).click();
  await page.getByRole("heading", { level: 1, name, exact: true }).waitFor();
  if (ready) await ready();
}

try {
  for (const scheme of /** @type {const} */ (["light", "dark"])) {
    const tag = (/** @type {string} */ s) => `${s} ${scheme}`;
    // sign-in
    let page = await newPage({ scheme });
    await open(page, "signed_out=1");
    await page.getByLabel("Server").waitFor();
    await axe(page, tag("sign-in"));
    await page.getByLabel("Email").fill("locked@harbour.example");
    await page.getByLabel("Password", { exact: true }).fill("x");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await axe(page, tag("sign-in error"));
    await page.context().close();

    // owner: every screen
    page = await newPage({ scheme });
    await open(page, "role=owner&conflicts=1");
    await page.getByRole("button", { name: /^12:00 / }).first().waitFor();
    await page.getByRole("button", { name: /^12:00 / }).first().click();
    await axe(page, tag("owner bookings"));
    await page.getByRole("button", { name: "New booking" }).click();
    await page.getByLabel("Guest name").waitFor();
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Enter the guest's name.").waitFor();
    await axe(page, tag("owner new booking form (with errors)"));
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: /Resolve/ }).click();
    await page.getByRole("dialog", { name: "Sync conflicts" }).waitFor();
    await axe(page, tag("conflicts dialog"));
    await page.keyboard.press("Escape");
    await go(page, "Floor", () => page.getByTestId("booking-block").first().waitFor());
    // a keyboard move: the block goes pending, the result is announced
    await page.getByTestId("booking-block").first().focus();
    await page.keyboard.press("ArrowRight");
    await page.getByText(/^Moved .* \(pending sync\)\.$/).waitFor();
    await page.getByRole("button", { name: /^Ruth Olsen/ }).click();
    await axe(page, tag("owner floor (moved booking, waitlist entry selected)"));
    await page.getByRole("button", { name: "Add to waitlist" }).click();
    await page.getByText("Enter the party's name.").waitFor();
    await axe(page, tag("owner floor waitlist form (with errors)"));
    await page.getByRole("button", { name: "Move…" }).click();
    await page.getByRole("dialog", { name: /^Move / }).waitFor();
    await axe(page, tag("owner floor move dialog"));
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: "Walk-in", exact: true }).click();
    await page.getByRole("dialog", { name: "Walk-in" }).waitFor();
    await axe(page, tag("owner floor walk-in dialog"));
    await page.keyboard.press("Escape");
    await page.getByRole("button", { name: /^T1 free .*: new booking$/ }).last().click();
    await page.getByRole("dialog", { name: /^New booking at T1, / }).waitFor();
    await page.getByRole("list", { name: /^Free times for 2 on / }).waitFor();
    await axe(page, tag("owner floor new booking form (free times)"));
    await page.keyboard.press("Escape");
    await go(page, "Orders", () => page.getByRole("button", { name: "Start" }).first().waitFor());
    await axe(page, tag("owner orders"));
    await go(page, "Customers", () => page.getByRole("button", { name: /Amelia Hart/ }).waitFor());
    await page.getByRole("button", { name: /Amelia Hart/ }).click();
    await page.getByRole("button", { name: "Erase" }).click();
    await axe(page, tag("owner customers"));
    await go(page, "Team", () => page.getByRole("button", { name: "Invite" }).waitFor());
    await page.getByLabel("Role to edit").selectOption({ label: "host" });
    await axe(page, tag("owner team"));
    await go(page, "Audit", () => page.getByRole("button", { name: "Next" }).waitFor());
    await axe(page, tag("owner audit"));
    await go(page, "Integrations", () => page.getByRole("button", { name: "Add endpoint" }).waitFor());
    await page.getByRole("button", { name: /^Delivery log of / }).first().click();
    await page.getByRole("button", { name: /^Retry now/ }).first().waitFor();
    await page.getByLabel("Client name").fill("Accounting export");
    await page.getByLabel("orders:read").first().check();
    await page.getByRole("button", { name: "Create API client" }).click();
    await page.getByTestId("shown-once").waitFor();
    await page.getByRole("button", { name: "Save payment settings" }).click();
    await page.getByText("Paste the webhook signing secret").waitFor();
    await axe(page, tag("owner integrations (secret shown, delivery log, error)"));
    await go(page, "Security", () => page.getByRole("heading", { name: "Active sessions" }).waitFor());
    await axe(page, tag("owner security"));
    await go(page, "Settings", () => page.getByRole("button", { name: "Edit T3" }).waitFor());
    await axe(page, tag("owner settings"));
    await openSettingsForms(page);
    await axe(page, tag("owner settings (forms open, delete confirm, errors)"));
    await page.getByRole("button", { name: "Keyboard shortcuts" }).click();
    await axe(page, tag("shortcuts help"));
    await page.context().close();

    // manager security (TOTP enrolment flow), kitchen, front desk
    page = await newPage({ scheme });
    await open(page, "role=manager");
    await page.getByRole("navigation", { name: "Screens" }).waitFor();
    await go(page, "Security", () => page.getByLabel("Password", { exact: true }).waitFor());
    await page.getByLabel("Password", { exact: true }).fill("pw");
    await page.getByRole("button", { name: "Set up authenticator" }).click();
    await page.getByRole("img", { name: /QR code/ }).waitFor();
    await axe(page, tag("manager TOTP enrolment"));
    await page.getByLabel("Code", { exact: true }).fill("123456");
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("heading", { name: "Recovery codes" }).waitFor();
    await axe(page, tag("manager recovery codes"));
    await page.context().close();

    // owner, offline: the Integrations screen shows the last lists read, marked
    page = await newPage({ scheme });
    await open(page, "role=owner&integrations_offline=1");
    await go(page, "Integrations", () => page.getByTestId("integrations-offline").waitFor());
    await page.getByLabel(/Website origins/).fill("https://harbourbistro.example");
    await page.getByRole("button", { name: "Create publishable key" }).click();
    await page.getByText(/nothing was changed/i).waitFor();
    await axe(page, tag("owner integrations offline"));
    await page.context().close();

    // owner, offline: Settings shows the copy kept here, saving turned off
    page = await newPage({ scheme });
    await open(page, "role=owner&settings_offline=1");
    await go(page, "Settings", () => page.getByTestId("settings-offline").waitFor());
    await page.getByRole("button", { name: "Edit T3" }).click();
    await axe(page, tag("owner settings offline"));
    await page.context().close();

    page = await newPage({ scheme });
    await open(page, "role=kitchen");
    await page.getByRole("button", { name: "Start" }).first().waitFor();
    await axe(page, tag("kitchen orders"));
    await page.context().close();

    page = await newPage({ scheme });
    await open(page, "role=front_desk");
    await page.getByRole("button", { name: "New booking" }).waitFor();
    await axe(page, tag("front desk bookings"));
    await go(page, "Floor", () => page.getByTestId("booking-block").first().waitFor());
    await axe(page, tag("front desk floor"));
    await page.context().close();
  }

  // layout: 1280×800 and 200% zoom (same window, deviceScaleFactor 2 → 640×400 CSS px)
  /** @type {[string, { width: number, height: number, scale: number }][]} */
  const sizes = [["1280x800", { width: 1280, height: 800, scale: 1 }], ["200% zoom", { width: 640, height: 400, scale: 2 }]];
  for (const [label, opts] of sizes) {
    const page = await newPage(opts);
    await open(page, "role=owner&conflicts=1&bookings=300");
    await page.getByRole("button", { name: "New booking" }).waitFor();
    await page.getByRole("button", { name: /^12:00 / }).first().waitFor();
    await noOverflow(page, `${label} bookings`);
    await page.getByRole("button", { name: "New booking" }).click();
    await page.getByLabel("Guest name").waitFor();
    await noOverflow(page, `${label} new booking form`);
    await page.keyboard.press("Escape");
    /** @type {[string, string | null][]} */
    const screens = [["Floor", "Print day sheet"], ["Orders", "Start"], ["Customers", null], ["Team", "Invite"], ["Audit", "Next"], ["Integrations", "Add endpoint"], ["Security", null], ["Settings", "Edit T3"]];
    for (const [name, sel] of screens) {
      await go(page, name, sel ? () => page.getByRole("button", { name: sel }).first().waitFor() : undefined);
      await page.waitForTimeout(100);
      await noOverflow(page, `${label} ${name}`);
    }
    await openSettingsForms(page);
    await page.waitForTimeout(100);
    await noOverflow(page, `${label} Settings (forms open, errors)`);
    await page.context().close();
    // a big floor (300 tables, 1,000 bookings): still no overflow; the render time is logged
    const big = await newPage(opts);
    await open(big, "role=front_desk&floor_tables=300&floor_bookings=1000");
    await go(big, "Floor", () => big.getByTestId("booking-block").first().waitFor());
    await big.waitForFunction(() => document.body.dataset.floorRenderMs !== undefined);
    const ms = await big.evaluate(() => document.body.dataset.floorRenderMs);
    const rendered = await big.getByTestId("timeline").getAttribute("data-rendered-rows");
    console.log(`floor ${label}: 300 tables, 1000 bookings rendered in ${ms} ms (${rendered} rows in the DOM)`);
    await noOverflow(big, `${label} big floor`);
    await big.getByRole("button", { name: "Walk-in", exact: true }).click();
    await big.getByRole("dialog", { name: "Walk-in" }).waitFor();
    await noOverflow(big, `${label} walk-in dialog`);
    await big.context().close();
    const signin = await newPage(opts);
    await open(signin, "signed_out=1");
    await signin.getByLabel("Server").waitFor();
    await noOverflow(signin, `${label} sign-in`);
    await signin.context().close();
  }
} catch (e) {
  failures.push(`script error: ${e instanceof Error ? e.stack : e}`);
} finally {
  await browser.close();
  server.close();
}

if (failures.length) {
  console.error(`\n${failures.length} problem(s):`);
  for (const f of failures) console.error(` - ${f}`);
  process.exit(1);
}
console.log(`\nall ${checks} checks passed`);
