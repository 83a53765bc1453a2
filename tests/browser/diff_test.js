// diff_test.js VMLAB PAGE SCENARIO TABLE SHOT: opens the page `vmlab diff SCENARIO --html PAGE`
// wrote (TABLE: what that diff printed) in headless Chromium and steps through it with the
// page's own "next" button. At every step it checks:
//   - the side-by-side pane against the table: each operation diff measured shows the same
//     simulated and kernel faults (or both say why they cannot be compared), an operation it
//     did not measure says so, and each process's VmRSS change at the end is the table's;
//   - hand arithmetic for examples/03: the touches fault 1 MiB / 4 KiB = 256, 512 KiB / 4 KiB =
//     128 and 1 pages on both sides, the parent's VmRSS grew by 1024 kB and the child's by 0;
//   - the simulator's Rss and Pss shown for each process against a separate `vmlab run` of the
//     scenario cut after that step's line with `show P smaps_rollup` appended.
// Fails on any console error, page exception or network request. Saves a screenshot to SHOT.
"use strict";
const puppeteer = require("puppeteer-core");
const fs = require("fs");

const [vmlab, page_path, scenario, table_path, shot] = process.argv.slice(2);
const browser_path = process.env.CHROMIUM || "/usr/bin/chromium";

const common = require("./common.js");
const expected = (line, comms) => common.expected(vmlab, scenario, line, comms);

// The table vmlab diff printed: per operation line its fault rows (or why not), per process
// its VmRSS row.
function parseTable(text) {
  const ops = {}, procs = {};
  let op = null, proc = null, section = "";
  for (const l of text.split("\n")) {
    let m;
    if ((m = l.match(/^operation at line (\d+):/))) { op = ops[m[1]] = { rows: {}, why: {} }; proc = null; continue; }
    if ((m = l.match(/^process (\S+) \(/))) { proc = procs[m[1]] = {}; op = null; continue; }
    if (/^\S/.test(l)) { op = proc = null; continue; }
    if ((m = l.match(/^  (\S.*)$/)) && !/^    /.test(l)) { section = m[1]; continue; }
    if (op && (m = l.match(/^\s+(minor faults|major faults)\s+(-?\d+)\s+(-?\d+)\s+-?\d+/))) op.rows[m[1]] = [m[2], m[3]];
    else if (op && (m = l.match(/^\s+(faults|meminfo)\s+not comparable:/))) op.why[m[1]] = true;
    else if (proc && section.startsWith("status") && (m = l.match(/^\s+VmRSS\s+(-?\d+)\s+(-?\d+)/))) proc.rss = [m[1], m[2]];
  }
  return { ops, procs };
}

const table = parseTable(fs.readFileSync(table_path, "utf8"));
const byHand = { 6: "256", 12: "128", 19: "1" }; // minor faults of the touches, both sides
const rssByHand = { parent: "1024", child: "0" };

(async () => {
  const errors = [];
  let browser;
  let failed = 0;
  const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failed++; };
  try {
    let page;
    ({ browser, page } = await common.openPage(puppeteer, browser_path, page_path, errors));
    check(await page.$eval("#kernelpane", (e) => !e.hidden), "the side-by-side pane is shown");
    const steps = await page.$eval("#step", (r) => Number(r.max) + 1);
    if (steps < 2) throw new Error(`only ${steps} steps`);
    const seen = new Set();
    for (let i = 0; i < steps; i++) {
      if (i > 0) await page.click("#next");
      const info = await page.$eval("#stepinfo", (e) => e.textContent);
      const line = Number(info.match(/line (\d+):/)[1]);
      const at = `step ${i + 1} line ${line}`;
      // The simulator's Rss and Pss against a separate vmlab run.
      const shown = await page.$$eval("#procs tbody tr", (rows) =>
        rows.map((r) => ({ comm: r.children[1].textContent, rss: Number(r.children[2].textContent), pss: Number(r.children[3].textContent) })));
      const want = expected(line, shown.map((p) => p.comm));
      for (const p of shown) {
        const w = want[p.comm];
        check(w && w.Rss === p.rss && w.Pss === p.pss,
              `${at} ${p.comm}: shown Rss ${p.rss} Pss ${p.pss}, vmlab run Rss ${w ? w.Rss : "?"} Pss ${w ? w.Pss : "?"}`);
      }
      // The operation as both sides measured it.
      const rows = await page.$$eval("#kernelop tr", (trs) => trs.slice(1).map((r) => [...r.children].map((c) => c.textContent)));
      const op = table.ops[line];
      if (!op) {
        check(rows.length === 0, `${at}: not measured by diff, and the pane shows no figures`);
      } else {
        seen.add(String(line));
        for (const name of ["minor faults", "major faults"]) {
          const r = rows.find((x) => x[0] === name);
          if (op.rows[name]) {
            check(r && r[1] === op.rows[name][0] && r[2] === op.rows[name][1],
                  `${at} ${name}: shown ${r ? r[1] + " / " + r[2] : "none"}, table ${op.rows[name].join(" / ")}`);
          } else {
            check(op.why.faults && r && r[2].startsWith("not comparable"), `${at} ${name}: both say it is not comparable`);
          }
        }
        if (byHand[line]) {
          const r = rows.find((x) => x[0] === "minor faults");
          check(r && r[1] === byHand[line] && r[2] === byHand[line], `${at}: ${byHand[line]} minor faults by hand on both sides`);
        }
        if (op.why.meminfo) {
          const mem = rows.filter((x) => x[0].endsWith(" change"));
          check(mem.every((x) => x[2].startsWith("not comparable")), `${at}: meminfo changes not comparable, as the table says`);
        }
      }
      // Each process's VmRSS change by the end, both sides.
      const procs = await page.$$eval("#kernelprocs tr", (trs) => trs.slice(1).map((r) => [...r.children].map((c) => c.textContent)));
      for (const [name, t] of Object.entries(table.procs)) {
        const r = procs.find((x) => x[0] === name);
        check(r && t.rss && r[1] === t.rss[0] + " kB" && r[2] === t.rss[1] + " kB",
              `${at} ${name} VmRSS change: shown ${r ? r[1] + " / " + r[2] : "none"}, table ${t.rss ? t.rss.join(" / ") : "none"}`);
        if (rssByHand[name]) check(r && r[1] === rssByHand[name] + " kB" && r[2] === rssByHand[name] + " kB", `${at} ${name}: VmRSS change ${rssByHand[name]} kB by hand`);
      }
    }
    check(Object.keys(table.ops).length > 0 && Object.keys(table.ops).every((l) => seen.has(l)),
          `every operation diff measured (${Object.keys(table.ops).join(", ")}) was a step`);
    check(Object.keys(table.procs).length === 2, "the table has the two processes");
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  } finally {
    if (browser) await browser.close();
  }
  for (const e of errors) console.log("FAIL " + e);
  process.exit(failed || errors.length ? 1 : 0);
})().catch((e) => { console.log("FAIL " + e.stack); process.exit(1); });
