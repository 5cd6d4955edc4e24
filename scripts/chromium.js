// How pagelab starts Debian's headless Chromium, shared by the screenshots and the browser test:
// the binary (PAGELAB_CHROMIUM or /usr/bin/chromium) and flags that keep it off the network
// (this machine's closed network refuses background connections, many at a time).
"use strict";

const executablePath = process.env.PAGELAB_CHROMIUM || "/usr/bin/chromium";
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

module.exports = { executablePath, chromiumArgs };
