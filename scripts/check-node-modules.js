#!/usr/bin/env node
// Exits 0 when node_modules matches package-lock.json, 1 (printing why) when `npm ci` is needed.
// npm records what it installed in node_modules/.package-lock.json; every package the lock
// file names for this platform must be there, at the locked version, with its files present.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");

// True when an npm `os`/`cpu` list ("linux", "!win32", ...) admits this value.
function admits(list, value) {
  if (!Array.isArray(list) || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const positives = list.filter((entry) => !entry.startsWith("!"));
  return positives.length === 0 || positives.includes(value);
}

// The C library npm's `libc` field names: "glibc" or "musl" on Linux, none elsewhere.
function hostLibc() {
  if (process.platform !== "linux") return "none";
  return process.report.getReport().header.glibcVersionRuntime ? "glibc" : "musl";
}

// Returns the first reason node_modules is out of date, or null when it is current.
function stalenessReason() {
  const installedPath = path.join(root, "node_modules", ".package-lock.json");
  if (!fs.existsSync(installedPath)) return "node_modules is missing or was not installed by npm";
  const locked = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")).packages;
  const installed = JSON.parse(fs.readFileSync(installedPath, "utf8")).packages ?? {};
  const libc = hostLibc();
  for (const [where, entry] of Object.entries(locked)) {
    if (where === "" || entry.link) continue;
    const wanted =
      admits(entry.os, process.platform) && admits(entry.cpu, process.arch) && admits(entry.libc, libc);
    if (!wanted) continue;
    const have = installed[where];
    if (!have) return `${where} is not installed`;
    if (have.version !== entry.version) return `${where} is ${have.version}, the lock file wants ${entry.version}`;
    if (!fs.existsSync(path.join(root, where, "package.json"))) return `${where}/package.json is missing`;
  }
  return null;
}

const reason = stalenessReason();
if (reason !== null) {
  console.log(reason);
  process.exit(1);
}
