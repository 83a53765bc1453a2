// common.js: what both browser tests need.
//   expected(VMLAB, SCENARIO, LINE, COMMS): what the simulator says each process's Rss and Pss
//     are after the scenario's first LINE lines: a separate `vmlab run` of the scenario cut
//     there, with `show P smaps_rollup` appended for each process, read from the /proc text.
//   openPage(puppeteer, BROWSER, PAGE, errors): headless Chromium on the page file, every
//     console error, page exception and network request (the page must need none) pushed to
//     errors; returns { browser, page }.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

function expected(vmlab, scenario, line, comms) {
  const lines = fs.readFileSync(scenario, "utf8").split("\n").slice(0, line);
  for (const c of comms) lines.push(`show ${c} smaps_rollup`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vmlab-browser-"));
  const tmp = path.join(dir, "cut.vml");
  fs.writeFileSync(tmp, lines.join("\n") + "\n");
  const out = execFileSync(vmlab, ["run", tmp], { encoding: "utf8" });
  fs.rmSync(dir, { recursive: true, force: true });
  const want = {};
  let who = null;
  for (const l of out.split("\n")) {
    const h = l.match(/^== \/proc\/\d+\/smaps_rollup \((\S+)\) ==$/);
    if (h) { who = h[1]; want[who] = {}; continue; }
    const f = l.match(/^(Rss|Pss):\s+(\d+) kB$/);
    if (f && who) want[who][f[1]] = Number(f[2]);
  }
  return want;
}

async function openPage(puppeteer, browser_path, page_path, errors) {
  const browser = await puppeteer.launch({
    executablePath: browser_path,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("exception: " + e.message));
  page.on("requestfailed", (r) => errors.push("request: " + r.url()));
  await page.setRequestInterception(true);
  page.on("request", (r) => (r.url().startsWith("file:") ? r.continue() : (errors.push("network: " + r.url()), r.abort())));
  await page.goto("file://" + path.resolve(page_path), { waitUntil: "load" });
  return { browser, page };
}

module.exports = { expected, openPage };
