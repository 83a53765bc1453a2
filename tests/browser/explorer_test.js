// explorer_test.js VMLAB PAGE SCENARIO SHOT: opens the explorer page that `vmlab run SCENARIO
// --html PAGE` wrote in headless Chromium, steps through it with the page's own "next" button
// and checks, at every step, the Rss and Pss it shows for each process against what `vmlab run`
// prints for the scenario cut after that step's line with `show P smaps_rollup` appended (a
// separate run, read from the /proc text). Fails on any console error or page exception.
// Saves a screenshot of the last step to SHOT.
"use strict";
const puppeteer = require("puppeteer-core");

const [vmlab, page_path, scenario, shot] = process.argv.slice(2);
const browser_path = process.env.CHROMIUM || "/usr/bin/chromium";

const common = require("./common.js");
const expected = (line, comms) => common.expected(vmlab, scenario, line, comms);

(async () => {
  const errors = [];
  let browser;
  let failed = 0;
  try {
    let page;
    ({ browser, page } = await common.openPage(puppeteer, browser_path, page_path, errors));
    const steps = await page.$eval("#step", (r) => Number(r.max) + 1);
    if (steps < 2) throw new Error(`only ${steps} steps`);
    for (let i = 0; i < steps; i++) {
      if (i > 0) await page.click("#next");
      const shown = await page.$$eval("#procs tbody tr", (rows) =>
        rows.map((r) => ({ comm: r.children[1].textContent, rss: Number(r.children[2].textContent), pss: Number(r.children[3].textContent) })));
      const info = await page.$eval("#stepinfo", (e) => e.textContent);
      const line = Number(info.match(/line (\d+):/)[1]);
      const want = expected(line, shown.map((p) => p.comm));
      for (const p of shown) {
        const w = want[p.comm];
        const ok = w && w.Rss === p.rss && w.Pss === p.pss;
        console.log(`${ok ? "ok  " : "FAIL"} step ${i + 1} line ${line} ${p.comm}: shown Rss ${p.rss} Pss ${p.pss}, vmlab run Rss ${w ? w.Rss : "?"} Pss ${w ? w.Pss : "?"}`);
        if (!ok) failed++;
      }
      if (Object.keys(want).length !== shown.length) { console.log(`FAIL step ${i + 1}: processes differ`); failed++; }
      // The panes are filled: a page-table tree once memory is mapped, the frame map always.
      const filled = await page.evaluate(() => document.querySelector("#frames").width > 0 && document.querySelector("#proc").textContent.includes("MemFree"));
      if (!filled) { console.log(`FAIL step ${i + 1}: empty panes`); failed++; }
    }
    const ptEntries = await page.$$eval("#pt summary", (s) => s.length);
    if (ptEntries < 4) { console.log(`FAIL: page-table tree has ${ptEntries} tables`); failed++; }
    if (shot) await page.screenshot({ path: shot, fullPage: false });
  } finally {
    if (browser) await browser.close();
  }
  for (const e of errors) console.log("FAIL " + e);
  process.exit(failed || errors.length ? 1 : 0);
})().catch((e) => { console.log("FAIL " + e.stack); process.exit(1); });
