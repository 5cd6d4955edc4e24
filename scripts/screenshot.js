#!/usr/bin/env node
// Takes a full-page screenshot of each exported notebook (out/*.html, or the files given)
// into a PNG beside it, in headless Chromium (Debian's /usr/bin/chromium, or PAGELAB_CHROMIUM).
// The page may load only local files: a screenshot must show what the HTML itself carries.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require("playwright-core");

const root = path.resolve(__dirname, "..");
const { executablePath, chromiumArgs } = require("./chromium");

// The HTML files named on the command line, or every out/*.html.
function htmlFiles(argv) {
  if (argv.length > 0) return argv.map((file) => path.resolve(file));
  const out = path.join(root, "out");
  if (!fs.existsSync(out)) return [];
  return fs.readdirSync(out).filter((name) => name.endsWith(".html")).sort().map((name) => path.join(out, name));
}

// Opens one HTML file and writes <same name>.png; returns the PNG's path.
async function screenshot(context, htmlFile) {
  const page = await context.newPage();
  try {
    await page.goto(`file://${htmlFile}`, { waitUntil: "load", timeout: 60_000 });
    const pngFile = htmlFile.replace(/\.html$/, ".png");
    await page.screenshot({ path: pngFile, fullPage: true });
    return pngFile;
  } finally {
    await page.close();
  }
}

async function main() {
  const files = htmlFiles(process.argv.slice(2));
  if (files.length === 0) throw new Error("no HTML files to screenshot (run the notebooks with --out out first)");
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath} (install Debian's chromium or set PAGELAB_CHROMIUM)`);
  // A fresh profile each run, so no cached state or extension changes what is drawn.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1200, height: 900 },
  });
  try {
    // Offline by design: CDN scripts (MathJax, require.js) must not decide what the picture shows.
    await context.route("**/*", (route) =>
      route.request().url().startsWith("file:") || route.request().url().startsWith("data:") ? route.continue() : route.abort(),
    );
    for (const file of files) {
      const started = Date.now();
      const png = await screenshot(context, file);
      console.log(`[screenshot] ${path.relative(process.cwd(), png)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`[screenshot] ${error.message}`);
  process.exit(1);
});
