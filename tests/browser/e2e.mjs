// End-to-end test of the tenant backup product in a real browser (see README.md here).
//
// It plays a new super administrator in Odoo's web client, with the backup service
// (`tenant-backup serve`) started by the test itself: log in, create a daily schedule
// for one tenant, "Run now", watch the backup reach "Done" with its size, download
// the ZIP, restore it through the wizard (dry run, then confirmed), then log in as a
// plain internal user and check that the Backups menu is absent and the download
// refused. Every step leaves a screenshot in the output directory.
//
// Environment: ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD (required); see README.md
// for the optional variables.

import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const ADDON = "quelyos_tenant_backup";
// The system parameters the addon reads (models/sidecar_client.py).
const PARAM_URL = `${ADDON}.sidecar_url`;
const PARAM_TOKEN = `${ADDON}.sidecar_token`;
const LANG = "fr_FR";
const FINAL_JOB_STATES = ["Terminé", "Partiellement terminé", "Échec", "Interrompu"];

const env = process.env;
const ODOO_URL = (env.ODOO_URL || "").replace(/\/+$/, "");
const ODOO_DB = env.ODOO_DB || "";
const ODOO_LOGIN = env.ODOO_LOGIN || "";
const ODOO_PASSWORD = env.ODOO_PASSWORD || "";
const OUT_DIR = path.resolve(env.BROWSER_SCREENSHOTS || path.join(HERE, "screenshots"));
const CHROMIUM = env.CHROMIUM_PATH || "/usr/bin/chromium";
const SIDECAR_BIN = env.TENANT_BACKUP_BIN || path.join(REPO, "target", "debug", "tenant-backup");
const WAIT_SECONDS = Number(env.BROWSER_WAIT_SECONDS || 180);

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (message) => console.log(`[e2e ${elapsed()}] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function skip(message) {
  console.log(`tests/browser: SKIPPED: ${message}`);
  process.exit(0);
}

function fail(message) {
  throw new Error(message);
}

class UsageError extends Error {}

// Set once this run has started the backup service: its log is worth showing.
let sidecarLog = null;

// ---------------------------------------------------------------------------
// Odoo's external API (JSON-RPC), as the administrator of ODOO_LOGIN
// ---------------------------------------------------------------------------

let rpcId = 0;
async function jsonrpc(service, method, args) {
  const response = await fetch(`${ODOO_URL}/jsonrpc`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      method: "call",
      params: { service, method, args },
      id: ++rpcId,
    }),
  });
  const body = await response.json();
  if (body.error) {
    const data = body.error.data || {};
    throw new Error(`Odoo ${service}.${method}: ${data.message || body.error.message}`);
  }
  return body.result;
}

let uid = null;
async function call(model, method, args = [], kwargs = {}) {
  return jsonrpc("object", "execute_kw", [
    ODOO_DB, uid, ODOO_PASSWORD, model, method, args, kwargs,
  ]);
}

async function getParam(key) {
  const rows = await call("ir.config_parameter", "search_read", [[["key", "=", key]]], {
    fields: ["value"],
  });
  return rows.length ? rows[0].value : null;
}

async function setParam(key, value) {
  const ids = await call("ir.config_parameter", "search", [[["key", "=", key]]]);
  if (value === null) {
    if (ids.length) await call("ir.config_parameter", "unlink", [ids]);
  } else if (ids.length) {
    await call("ir.config_parameter", "write", [ids, { value }]);
  } else {
    await call("ir.config_parameter", "create", [{ key, value }]);
  }
}

// ---------------------------------------------------------------------------
// The backup service
// ---------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function sidecarCall(sidecar, method, params = {}) {
  const response = await fetch(`${sidecar.url}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${sidecar.token}`,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`sidecar ${method}: ${body.error.message}`);
  return body.result;
}

async function startSidecar() {
  if (!env.TENANT_BACKUP_BIN && !fs.existsSync(SIDECAR_BIN)) {
    log("building the backup service (cargo build -p tenant-backup)");
    const build = spawnSync("cargo", ["build", "-p", "tenant-backup", "--locked"], {
      cwd: REPO,
      stdio: "inherit",
    });
    if (build.status !== 0) fail("cargo build -p tenant-backup failed");
  }
  if (!fs.existsSync(SIDECAR_BIN)) fail(`no backup service binary at ${SIDECAR_BIN}`);
  const port = await freePort();
  const token = crypto.randomBytes(24).toString("hex");
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-backup-e2e-store-"));
  // Archives are encrypted, as README's set-up makes them: an age key made by `keygen`.
  const identity = path.join(store, "..", `${path.basename(store)}-age.key`);
  const keygen = spawnSync(SIDECAR_BIN, ["keygen", "--out", identity], { encoding: "utf8" });
  if (keygen.status !== 0) fail(`tenant-backup keygen failed: ${keygen.stderr}`);
  const logPath = path.join(OUT_DIR, "sidecar.log");
  const logFd = fs.openSync(logPath, "w");
  sidecarLog = logPath;
  // Only this run's settings: no configuration file or other service's state.
  const childEnv = Object.fromEntries(
    Object.entries(env).filter(([name]) => name !== "BACKUP_CONFIG" && !name.startsWith("BACKUPD_")),
  );
  const child = spawn(SIDECAR_BIN, ["serve"], {
    cwd: REPO,
    env: {
      ...childEnv,
      ODOO_URL,
      ODOO_DB,
      ODOO_LOGIN,
      ODOO_PASSWORD,
      BACKUPD_LISTEN: `127.0.0.1:${port}`,
      BACKUPD_TOKEN: token,
      BACKUPD_STORE: store,
      BACKUPD_SHUTDOWN_GRACE: "5",
      BACKUP_AGE_IDENTITY_FILE: identity,
    },
    stdio: ["ignore", logFd, logFd],
  });
  fs.closeSync(logFd);
  const sidecar = { child, port, token, store, identity, logPath, url: `http://127.0.0.1:${port}`, exited: false };
  child.on("exit", (code, signal) => {
    sidecar.exited = true;
    sidecar.exit = signal || code;
  });
  const deadline = Date.now() + 30_000;
  let health = null;
  while (Date.now() < deadline) {
    if (sidecar.exited) fail(`the backup service exited (${sidecar.exit}); see ${logPath}`);
    try {
      health = await sidecarCall(sidecar, "health");
      break;
    } catch {
      await sleep(250);
    }
  }
  if (!health) fail(`the backup service did not answer on port ${port}; see ${logPath}`);
  // Reachable is not enough: a refused login (JSON-2 told with a password only, say) says why.
  if (!health.odoo || !health.odoo.reachable || health.odoo.error) {
    fail(`the backup service cannot use Odoo: ${JSON.stringify(health.odoo)}`);
  }
  if (!health.addon || health.addon.installed !== true) {
    fail(`the backup service does not see the addon: ${JSON.stringify(health.addon)}`);
  }
  log(`backup service ${health.version} listening on 127.0.0.1:${port} (store ${store})`);
  return sidecar;
}

async function stopSidecar(sidecar) {
  if (!sidecar.exited) {
    sidecar.child.kill("SIGTERM");
    const deadline = Date.now() + 15_000;
    while (!sidecar.exited && Date.now() < deadline) await sleep(100);
    if (!sidecar.exited) {
      sidecar.child.kill("SIGKILL");
      while (!sidecar.exited) await sleep(100);
    }
  }
  fs.rmSync(sidecar.store, { recursive: true, force: true });
  fs.rmSync(sidecar.identity, { force: true });
  log(`backup service stopped (${sidecar.exit})`);
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

// ---------------------------------------------------------------------------
// Steps and screenshots
// ---------------------------------------------------------------------------

let stepNumber = 0;
const passed = [];
// What is wrong but does not stop the flow: reported at the end, and the test fails.
const problems = [];
function expect(condition, message) {
  if (!condition) {
    problems.push(`step ${stepNumber}: ${message}`);
    log(`PROBLEM step ${stepNumber}: ${message}`);
  }
  return condition;
}
let page = null;

async function shot(name) {
  const file = path.join(OUT_DIR, `${String(stepNumber).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return path.basename(file);
}

async function step(title, name, body) {
  stepNumber += 1;
  const t0 = Date.now();
  log(`step ${stepNumber}: ${title}`);
  const detail = await body();
  const file = await shot(name);
  const line = `step ${stepNumber}: ${title}${detail ? ` - ${detail}` : ""} [${file}, ${((Date.now() - t0) / 1000).toFixed(1)}s]`;
  passed.push(line);
  log(`ok   ${line}`);
}

async function poll(what, attempt, { seconds = WAIT_SECONDS, every = 1500 } = {}) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    last = await attempt();
    if (last) return last;
    await sleep(every);
  }
  fail(`timed out after ${seconds}s waiting for ${what}`);
}

// ---------------------------------------------------------------------------
// Odoo's web client, as a user sees it
// ---------------------------------------------------------------------------

async function waitForWebClient() {
  await page.locator(".o_main_navbar").waitFor();
  await page.locator(".o_action_manager > *").first().waitFor();
  await idle();
}

// Odoo shows its loading indicator while it waits for the server.
async function idle() {
  await page.waitForLoadState("domcontentloaded");
  await page.locator(".o_loading_indicator").waitFor({ state: "hidden" }).catch(() => {});
  await page.locator(".o_blockUI").waitFor({ state: "hidden" }).catch(() => {});
}

async function login(login, password) {
  await page.goto(`${ODOO_URL}/web/login?db=${encodeURIComponent(ODOO_DB)}`);
  await page.locator("input#login").fill(login);
  await page.locator("input#password").fill(password);
}

async function submitLogin() {
  await Promise.all([page.waitForURL(/\/odoo/), page.locator("form.oe_login_form button[type=submit]").click()]);
  await waitForWebClient();
}

async function openAppsMenu() {
  await page.locator(".o_navbar_apps_menu button").click();
  await page.locator(".o-dropdown--menu .o_app").first().waitFor();
}

async function openApp(name) {
  await openAppsMenu();
  await page.locator(".o-dropdown--menu .o_app", { hasText: new RegExp(`^\\s*${name}\\s*$`) }).click();
  await waitForWebClient();
}

async function openSection(name) {
  await page.locator(".o_menu_sections .o_nav_entry", { hasText: new RegExp(`^\\s*${name}\\s*$`) }).click();
  await page.locator(".o_breadcrumb", { hasText: name }).waitFor();
  await idle();
}

async function notification(text) {
  const toast = page.locator(".o_notification", { hasText: text }).last();
  await toast.waitFor();
  return (await toast.innerText()).replace(/\s+/g, " ").trim();
}

// Dismiss the notices a step piled up, so that its screenshot shows the list.
async function closeNotifications() {
  const close = page.locator(".o_notification .o_notification_close");
  while (await close.count()) {
    await close.first().click().catch(() => {});
    await sleep(150);
  }
}

async function errorDialog() {
  const dialog = page.locator(".o_error_dialog, .modal:has(.modal-title:text-matches('Erreur|Error|Avertissement|Warning|Accès|Access', 'i'))");
  return (await dialog.count()) ? (await dialog.first().innerText()).replace(/\s+/g, " ").trim() : null;
}

// Picks an option of a selection field by its label: Odoo 18 draws a <select>, Odoo 19 a menu
// opened from a toggler.
async function chooseOption(name, label) {
  const field = page.locator(`div[name="${name}"]`);
  if (await field.locator("select").count()) {
    await field.locator("select").selectOption({ label });
    return;
  }
  await field.locator(".o_select_menu_toggler").first().click();
  await page.locator(".o_select_menu_item", { hasText: label }).first().click();
}

async function cellText(row, name) {
  return (await row.locator(`td[name="${name}"]`).innerText()).replace(/\s+/g, " ").trim();
}

async function fieldText(scope, name) {
  return (await scope.locator(`div[name="${name}"]`).first().innerText()).replace(/\s+/g, " ").trim();
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

async function main() {
  const missing = ["ODOO_URL", "ODOO_DB", "ODOO_LOGIN"].filter((name) => !env[name]);
  if (missing.length) throw new UsageError(`missing ${missing.join(", ")} (see tests/browser/README.md)`);
  if (!ODOO_PASSWORD) {
    skip("ODOO_PASSWORD is not set: the browser logs in with a password (an API key cannot log in to the web client)");
  }
  if (!fs.existsSync(CHROMIUM)) {
    throw new UsageError(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  }

  uid = await jsonrpc("common", "authenticate", [ODOO_DB, ODOO_LOGIN, ODOO_PASSWORD, {}]);
  if (!uid) fail(`Odoo refused the login ${ODOO_LOGIN} on database ${ODOO_DB}`);
  const modules = await call("ir.module.module", "search_read", [[["name", "=", ADDON]]], {
    fields: ["state"],
  });
  if (!modules.length || modules[0].state !== "installed") {
    skip(`the addon ${ADDON} is not installed in database ${ODOO_DB} (state: ${modules.length ? modules[0].state : "unknown"}); install it to run the browser test`);
  }
  const isAdmin = await call("res.users", "has_group", [[uid], "base.group_system"]).catch(() => null);
  if (isAdmin === false) fail(`${ODOO_LOGIN} is not a member of Settings (base.group_system)`);

  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const name of fs.readdirSync(OUT_DIR)) {
    if (/\.(png|log)$/.test(name)) fs.rmSync(path.join(OUT_DIR, name));
  }

  const runTag = crypto.randomBytes(3).toString("hex");
  const cleanups = [];
  let sidecar = null;
  let browserContext = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-backup-e2e-chromium-"));
  const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), "tenant-backup-e2e-download-"));

  try {
    // --- Preparation over the external API --------------------------------
    const me = (await call("res.users", "read", [[uid], ["lang", "company_id", "company_ids"]]))[0];
    const companies = await call("res.company", "search_read", [[["id", "in", me.company_ids]]], {
      fields: ["name"],
      order: "id",
    });
    let tenant;
    if (env.BROWSER_TENANT) {
      tenant = companies.find((c) => c.name === env.BROWSER_TENANT || String(c.id) === env.BROWSER_TENANT);
      if (!tenant) fail(`BROWSER_TENANT=${env.BROWSER_TENANT}: no such company among ${ODOO_LOGIN}'s companies`);
    } else {
      // The smallest tenant that has partners of its own keeps the run short; the
      // administrator's own company is taken only when there is no other.
      const others = companies.filter((c) => c.id !== me.company_id[0]);
      let best = null;
      for (const company of others.length ? others : companies) {
        const count = await call("res.partner", "search_count", [[["company_id", "=", company.id]]], {
          context: { active_test: false },
        });
        if (count > 0 && (!best || count < best.count)) best = { ...company, count };
      }
      tenant = best || others[0] || companies[0];
    }
    log(`tenant: ${tenant.name} (company ${tenant.id}); run ${runTag}`);

    // French, as the product's users see it.
    const langs = await call("res.lang", "search_read", [[["code", "=", LANG]]], {
      fields: ["active"],
      context: { active_test: false },
    });
    if (!langs.length) fail(`Odoo has no ${LANG} language`);
    if (!langs[0].active) {
      log(`installing the ${LANG} language (once)`);
      const wizard = await call("base.language.install", "create", [{ lang_ids: [[6, 0, [langs[0].id]]] }]);
      await call("base.language.install", "lang_install", [[wizard]]);
    }
    if (me.lang !== LANG) {
      await call("res.users", "write", [[uid], { lang: LANG }]);
      cleanups.push(["the administrator's language", () => call("res.users", "write", [[uid], { lang: me.lang }])]);
    }

    // A partner of the tenant, changed after the backup: the restore must set it back.
    const partnerName = `E2E navigateur ${runTag}`;
    const partnerId = await call("res.partner", "create", [{ name: partnerName, company_id: tenant.id }]);
    cleanups.push(["the test partner", () => call("res.partner", "unlink", [[partnerId]])]);

    // A plain internal user: no Settings group.
    const userLogin = `e2e-user-${runTag}`;
    const userPassword = crypto.randomBytes(12).toString("hex");
    const userFields = await call("res.users", "fields_get", [["groups_id", "group_ids"]], { attributes: ["type"] });
    const groupsField = userFields.groups_id ? "groups_id" : "group_ids";
    const [, groupUserId] = (await call("ir.model.data", "check_object_reference", ["base", "group_user"]));
    const userId = await call("res.users", "create", [{
      name: `Utilisateur E2E ${runTag}`,
      login: userLogin,
      password: userPassword,
      lang: LANG,
      company_id: me.company_id[0],
      company_ids: [[6, 0, [me.company_id[0]]]],
      [groupsField]: [[6, 0, [groupUserId]]],
    }]);
    cleanups.push(["the test user", async () => {
      try {
        await call("res.users", "unlink", [[userId]]);
      } catch {
        await call("res.users", "write", [[userId], { active: false }]);
      }
    }]);
    if (await call("res.users", "has_group", [[userId], "base.group_system"]).catch(() => false)) {
      fail(`the test user ${userLogin} unexpectedly is in base.group_system`);
    }

    // The backup service, and the addon pointed at it.
    sidecar = await startSidecar();
    const oldUrl = await getParam(PARAM_URL);
    const oldToken = await getParam(PARAM_TOKEN);
    cleanups.push(["the addon's settings", async () => {
      await setParam(PARAM_URL, oldUrl);
      await setParam(PARAM_TOKEN, oldToken);
    }]);
    await setParam(PARAM_URL, sidecar.url);
    await setParam(PARAM_TOKEN, sidecar.token);

    // --- The administrator ----------------------------------------------------
    browserContext = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
      acceptDownloads: true,
      downloadsPath: downloadDir,
      viewport: { width: 1440, height: 900 },
      locale: "fr-FR",
      timezoneId: "Europe/Paris",
    });
    page = browserContext.pages()[0] || (await browserContext.newPage());
    page.setDefaultTimeout(30_000);

    await step(`log in as ${ODOO_LOGIN}`, "admin-login", async () => {
      await login(ODOO_LOGIN, ODOO_PASSWORD);
      await shot("admin-login-form");
      await submitLogin();
      return "web client loaded";
    });

    await step("open Backups > Planifications Auto", "schedules", async () => {
      await openApp("Backups");
      await openSection("Planifications Auto");
      return "list of schedules shown";
    });

    const email = `e2e-${runTag}@example.com`;
    let scheduleId = null;
    await step(`create a daily schedule for ${tenant.name}`, "schedule-form", async () => {
      await page.locator(".o_list_button_add, .o-kanban-button-new").first().click();
      await page.locator(".o_form_view").waitFor();
      const company = page.locator('div[name="company_id"] input');
      await company.fill(tenant.name);
      await page.locator(".o-autocomplete--dropdown-menu .dropdown-item", { hasText: tenant.name }).first().click();
      await chooseOption("frequency", "Quotidien");
      await page.locator('div[name="hour"] input').fill("2");
      await page.locator('div[name="minute"] input').fill("0");
      await page.locator('div[name="retention_count"] input').fill("7");
      await page.locator('div[name="notification_email"] input').fill(email);
      await shot("schedule-form-filled");
      await page.locator(".o_form_button_save").click();
      await page.locator(".o_form_saved, .o_form_status_indicator:not(:has(.o_form_button_save))").first().waitFor().catch(() => {});
      await idle();
      const dialog = await errorDialog();
      if (dialog) fail(`saving the schedule failed: ${dialog}`);
      const ids = await call("quelyos.backup.schedule", "search", [[["notification_email", "=", email]]], {
        context: { active_test: false },
      });
      if (ids.length !== 1) fail(`expected one schedule with ${email}, found ${ids.length}`);
      scheduleId = ids[0];
      cleanups.push(["the schedule", () => call("quelyos.backup.schedule", "unlink", [[scheduleId]])]);
      return `schedule ${scheduleId} saved`;
    });

    // Back in the list, found by its notification e-mail, with the next run the
    // backup service computed after the save.
    let scheduleRow = null;
    await step("see the schedule in the list with its next run", "schedule-list", async () => {
      await page.locator(".o_breadcrumb .breadcrumb-item a", { hasText: "Planifications Auto" }).click();
      await page.locator(".o_list_view").waitFor();
      const search = page.locator(".o_searchview_input");
      await search.fill(email);
      // Odoo 18 lists the suggestions as <li>, Odoo 19 as dropdown items.
      await page
        .locator(".o_searchview_autocomplete :is(li, .dropdown-item)", { hasText: "Email de notification" })
        .first()
        .click();
      await idle();
      scheduleRow = page.locator(".o_data_row", { hasText: tenant.name });
      await poll("the schedule's next run", async () => {
        if ((await scheduleRow.count()) !== 1) return false;
        const next = await cellText(scheduleRow, "next_run");
        if (next) return next;
        await page.reload();
        await waitForWebClient();
        return false;
      }, { seconds: 30 });
      const next = await cellText(scheduleRow, "next_run");
      const freq = await cellText(scheduleRow, "frequency");
      const time = await cellText(scheduleRow, "time_display");
      const status = await cellText(scheduleRow, "last_status");
      if (freq !== "Quotidien" || time !== "02:00") fail(`schedule row shows ${freq} ${time}`);
      return `${tenant.name}, ${freq} ${time}, prochain run ${next}, dernier statut ${status}`;
    });

    let runJob = null;
    await step('click "▶ Exécuter maintenant"', "run-now", async () => {
      await scheduleRow.locator('button[name="action_run_now"]').click();
      const notice = await notification("Backup démarré");
      runJob = (notice.match(/\b(j-[0-9a-f]+)\b/) || [])[1];
      if (!runJob) fail(`no job id in the notice: ${notice}`);
      // One click, one backup.
      const { backups } = await sidecarCall(sidecar, "backup.list", { tenant: tenant.id });
      const ofSchedule = backups.filter((b) => b.origin && b.origin.schedule_id === scheduleId);
      expect(ofSchedule.length === 1,
        `one click on "Exécuter maintenant" started ${ofSchedule.length} backups of the schedule (jobs ${ofSchedule.map((b) => b.job_id).join(", ")}); the notice names ${runJob}`);
      return notice;
    });

    let backupRecord = null;
    let backupRow = null;
    await step('open Backups and see the backup reach "Terminé" with its size', "backup-done", async () => {
      await openSection("Backups");
      await page.locator(".o_list_view").waitFor();
      let screenshotInProgress = true;
      const detail = await poll("the backup to be done", async () => {
        // As a user would: "Actualiser", then look at the list.
        await page.locator('.o_control_panel button[name="action_refresh_from_sidecar"]').click();
        await idle();
        await sleep(500);
        const records = await call("quelyos.backup", "search_read", [[["job_id", "=", runJob]]], {
          fields: ["file_name", "status", "size", "backup_id", "origin", "schedule_id"],
        });
        if (!records.length) return false;
        backupRecord = records[0];
        backupRow = page.locator(".o_data_row", { hasText: backupRecord.file_name });
        if (!(await backupRow.count())) return false;
        const status = await cellText(backupRow, "status");
        if (screenshotInProgress && status !== "Terminé") {
          await shot("backup-in-progress");
          screenshotInProgress = false;
        }
        if (status === "Échec") fail(`the backup failed: ${JSON.stringify(backupRecord)}`);
        if (status !== "Terminé") return false;
        expect(backupRecord.origin === "schedule" && backupRecord.schedule_id && backupRecord.schedule_id[0] === scheduleId,
          `the backup is not recorded as made by schedule ${scheduleId}: ${JSON.stringify(backupRecord)}`);
        const size = await cellText(backupRow, "size_display");
        if (!/^\d+(\.\d+)? (bytes|KB|MB|GB)$/.test(size)) fail(`unexpected size "${size}"`);
        return `${backupRecord.file_name}: ${status}, ${size}, ${await cellText(backupRow, "records")} enregistrements`;
      });
      await closeNotifications();
      return detail;
    });

    let zipPath = null;
    await step("download the ZIP (Télécharger)", "download", async () => {
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        backupRow.locator('button[name="action_download"]').click(),
      ]);
      const failure = await download.failure();
      if (failure) fail(`download failed: ${failure}`);
      zipPath = path.join(downloadDir, download.suggestedFilename());
      await download.saveAs(zipPath);
      // Stored encrypted (….zip.age), handed out as the ZIP it holds, decrypted.
      if (!backupRecord.file_name.endsWith(".zip.age")) {
        fail(`the backup ${backupRecord.file_name} is not stored encrypted`);
      }
      const expected = backupRecord.file_name.replace(/\.age$/, "");
      if (download.suggestedFilename() !== expected) {
        fail(`downloaded ${download.suggestedFilename()}, expected ${expected}`);
      }
      const check = spawnSync("unzip", ["-t", zipPath], { encoding: "utf8" });
      if (check.status !== 0) fail(`unzip -t ${zipPath} failed:\n${check.stdout}${check.stderr}`);
      const bytes = fs.statSync(zipPath).size;
      if (!(bytes > 0 && bytes < backupRecord.size)) {
        fail(`downloaded ${bytes} bytes for an encrypted backup of ${backupRecord.size}`);
      }
      const summary = check.stdout.trim().split("\n").pop();
      return `${download.suggestedFilename()}, ${bytes} bytes, unzip -t: ${summary}`;
    });

    // The tenant changes after the backup; the restore must bring it back.
    await call("res.partner", "write", [[partnerId], { name: `${partnerName} (modifié)` }]);

    const dialog = page.locator(".modal .modal-content").last();
    await step("open the restore wizard (Restaurer)", "restore-wizard", async () => {
      await backupRow.locator('button[name="action_open_restore_wizard"]').click();
      await dialog.locator('button[name="action_preview"]').waitFor();
      const text = (await dialog.innerText()).replace(/\s+/g, " ");
      if (!/UPSERT/.test(text)) fail("the wizard does not explain the UPSERT");
      const safety = dialog.locator('div[name="safety_backup"] input[type="checkbox"]');
      if (!(await safety.isChecked())) fail("the safety backup is not on by default");
      return "UPSERT explained, safety backup on by default";
    });

    await step("preview the restore (Aperçu (simulation))", "restore-dry-run", async () => {
      await dialog.locator('button[name="action_preview"]').click();
      await dialog.locator('div[name="preview_state"]').waitFor();
      const state = await poll("the dry run to finish", async () => {
        await idle();
        const value = await fieldText(dialog, "preview_state");
        if (FINAL_JOB_STATES.includes(value)) return value;
        const refresh = dialog.locator('button[name="action_refresh_preview"]');
        if (await refresh.isVisible()) await refresh.click();
        return false;
      });
      const report = await fieldText(dialog, "preview_report");
      if (state !== "Terminé") fail(`dry run ended ${state}: ${report}`);
      if (!/Simulation, rien n'a été écrit/.test(report)) fail(`dry run report: ${report}`);
      const partnerLine = dialog.locator('div[name="preview_report"] tr', { hasText: "res.partner" });
      const updated = Number((await partnerLine.locator("td").nth(2).innerText()).trim());
      if (!(updated >= 1)) fail(`the dry run does not update the changed partner: ${report}`);
      const name = (await call("res.partner", "read", [[partnerId], ["name"]]))[0].name;
      if (name !== `${partnerName} (modifié)`) fail(`the dry run wrote: partner is now "${name}"`);
      return report.split(" Modèle")[0];
    });

    await step("confirm and restore", "restore-done", async () => {
      await dialog.locator('div[name="confirm"] input[type="checkbox"]').check();
      await shot("restore-confirmed");
      await dialog.locator('.modal-footer button[name="action_restore"]').click();
      await dialog.locator('div[name="restore_state"]').waitFor();
      const state = await poll("the restore to finish", async () => {
        await idle();
        const value = await fieldText(dialog, "restore_state");
        if (FINAL_JOB_STATES.includes(value)) return value;
        const refresh = dialog.locator('button[name="action_refresh_restore"]');
        if (await refresh.isVisible()) await refresh.click();
        return false;
      });
      const report = await fieldText(dialog, "restore_report");
      if (state !== "Terminé") fail(`restore ended ${state}: ${report}`);
      const name = (await call("res.partner", "read", [[partnerId], ["name"]]))[0].name;
      if (name !== partnerName) fail(`after the restore the partner is "${name}", expected "${partnerName}"`);
      // Show the restore's result, below the dry run's.
      await dialog.locator('div[name="restore_state"]').evaluate((el) => el.closest("div[name=restore]")?.scrollIntoView({ block: "start" }));
      return `${state}; partner "${partnerName}" set back; ${report.split(" Modèle")[0]}`;
    });

    await step("see the safety backup taken before the restore", "backups-after-restore", async () => {
      await dialog.locator('.modal-footer button:has-text("Fermer")').click();
      const detail = await poll("the safety backup", async () => {
        await page.locator('.o_control_panel button[name="action_refresh_from_sidecar"]').click();
        await idle();
        await sleep(500);
        const safety = page.locator(".o_data_row", { hasText: "Sécurité" }).filter({ hasText: tenant.name }).first();
        if (!(await safety.count())) return false;
        if ((await cellText(safety, "status")) !== "Terminé") return false;
        const duration = await cellText(safety, "duration");
        expect(Number(duration.replace(",", ".")) > 0, `the safety backup shows a duration of ${duration} s`);
        return `${await cellText(safety, "file_name")}: ${await cellText(safety, "origin")}, Terminé`;
      }, { seconds: 60 });
      await closeNotifications();
      const audit = await call("quelyos.backup.audit", "search_read", [[["backup_ref", "=", backupRecord.backup_id]]], {
        fields: ["action"],
      });
      const actions = audit.map((a) => a.action).sort().join(", ");
      if (!actions.includes("download") || !actions.includes("restore")) fail(`audit entries: ${actions}`);
      return `${detail}; audit: ${actions}`;
    });

    // --- A user without the Settings group ----------------------------------------
    await step(`log out, log in as the plain user ${userLogin}`, "user-login", async () => {
      await page.locator(".o_user_menu button, .o_user_menu .dropdown-toggle").first().click();
      await page.locator('.o-dropdown--menu [data-menu="logout"]').click();
      await page.locator("input#login").waitFor();
      await login(userLogin, userPassword);
      await submitLogin();
      return "web client loaded";
    });

    await step("see no Backups menu", "user-no-backups-menu", async () => {
      await openAppsMenu();
      const apps = (await page.locator(".o-dropdown--menu .o_app").allInnerTexts()).map((t) => t.trim());
      if (apps.includes("Backups")) fail(`the plain user sees the Backups app: ${apps.join(", ")}`);
      const byXmlid = await page.locator(`[data-menu-xmlid="${ADDON}.quelyos_backup_menu_root"]`).count();
      if (byXmlid) fail("the plain user has the Backups menu");
      return `apps: ${apps.join(", ")}`;
    });

    await step("open the download URL: refused", "user-download-refused", async () => {
      await page.keyboard.press("Escape");
      const url = `${ODOO_URL}/quelyos_tenant_backup/download/${backupRecord.id}`;
      const response = await page.goto(url);
      const status = response.status();
      if (status !== 403) fail(`GET ${url} as a plain user answered ${status}`);
      return `GET /quelyos_tenant_backup/download/${backupRecord.id} -> HTTP ${status}`;
    });

    await step("open the Backups action by its URL: refused", "user-action-refused", async () => {
      await page.goto(`${ODOO_URL}/odoo/action-${ADDON}.quelyos_backup_action`);
      await page.locator(".o_main_navbar").waitFor();
      await idle();
      const shown = await poll("an access error", async () => {
        const error = await errorDialog();
        if (error) return error;
        if (await page.locator(".o_list_view .o_data_row").count()) {
          fail("the plain user sees the list of backups");
        }
        return false;
      }, { seconds: 20, every: 500 });
      return shown.slice(0, 160);
    });
  } catch (error) {
    if (page) {
      stepNumber += 1;
      await shot("FAILED").catch(() => {});
    }
    throw error;
  } finally {
    if (browserContext) await browserContext.close().catch(() => {});
    if (sidecar) {
      // The mirror rows of this run's backups go with the temporary store.
      try {
        const { backups } = await sidecarCall(sidecar, "backup.list");
        const ids = await call("quelyos.backup", "search", [[["backup_id", "in", backups.map((b) => b.backup_id)]]]);
        if (ids.length) await call("quelyos.backup", "unlink", [ids]);
      } catch (error) {
        console.error(`cleanup: the backups of this run: ${error.message}`);
      }
      await stopSidecar(sidecar).catch((error) => console.error(`cleanup: ${error.message}`));
    }
    for (const [what, undo] of cleanups.reverse()) {
      await undo().catch((error) => console.error(`cleanup: ${what}: ${error.message}`));
    }
    fs.rmSync(userDataDir, { recursive: true, force: true });
    fs.rmSync(downloadDir, { recursive: true, force: true });
  }
}

main().then(
  () => {
    if (problems.length) {
      console.error(`\ntests/browser: FAILED: the flow went through ${passed.length} steps (${elapsed()}), but:`);
      for (const problem of problems) console.error(`  - ${problem}`);
      for (const line of passed) console.error(`  ${line}`);
      if (sidecarLog) console.error(`(the backup service's log: ${sidecarLog})`);
      process.exit(1);
    }
    console.log(`\ntests/browser: PASSED ${passed.length} steps in ${elapsed()}; screenshots in ${OUT_DIR}`);
    for (const line of passed) console.log(`  ${line}`);
  },
  (error) => {
    console.error(`\ntests/browser: FAILED after ${passed.length} steps (${elapsed()}): ${error.message}`);
    for (const line of passed) console.error(`  ${line}`);
    if (sidecarLog) console.error(`\nlast lines of ${sidecarLog}:\n${tail(sidecarLog)}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
