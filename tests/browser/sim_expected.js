// sim_expected.js: what the simulator says each process's Rss and Pss are after a scenario's
// first LINE lines: a separate `vmlab run` of the scenario cut there, with `show P
// smaps_rollup` appended for each process, read from the /proc text it prints. The browser
// tests hold the pages' panes to it.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

module.exports = function expected(vmlab, scenario, line, comms) {
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
};
