#!/usr/bin/env node
// Starts the three built services as separate processes and stops them together on Ctrl-C.
// Postgres: a local dev database (tenantbus_dev) with its app/system roles, made on first run from
// DATABASE_ADMIN_URL (a superuser; default the local `postgres`). NATS: NATS_URL (default local).
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { Client } = require('pg');

const ADMIN_URL = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'tenantbus_dev';
const ROLES = { app: 'tenantbus_app', system: 'tenantbus_system' };
// Local development only; set ADMIN_TOKENS yourself anywhere else.
const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

const services = [
  { name: 'tenant-service', port: 3001 },
  { name: 'sync-service', port: 3002 },
  { name: 'usage-service', port: 3003 },
];

function urlFor(database, user) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  if (user) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

async function ensureDatabase() {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await admin.query(`create database ${DATABASE}`);
    for (const [role, attributes] of [
      [ROLES.app, 'login noinherit'],
      [ROLES.system, 'nologin'],
    ]) {
      const found = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
      if (found.rowCount === 0) await admin.query(`create role ${role} ${attributes}`);
    }
    await admin.query(`grant ${ROLES.system} to ${ROLES.app}`);
  } finally {
    await admin.end();
  }
}

let stopping = false;
let children = [];

function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) child.kill('SIGTERM');
  const force = setTimeout(() => alive.forEach((child) => child.kill('SIGKILL')), 10_000);
  Promise.all(alive.map((child) => new Promise((resolve) => child.once('exit', resolve)))).then(
    () => {
      clearTimeout(force);
      process.exit(exitCode);
    },
  );
}

async function main() {
  await ensureDatabase();
  const database = {
    DATABASE_URL: urlFor(DATABASE, ROLES.app),
    DATABASE_OWNER_URL: urlFor(DATABASE),
    DB_APP_ROLE: ROLES.app,
    DB_SYSTEM_ROLE: ROLES.system,
    ADMIN_TOKENS: `dev:${DEV_ADMIN_TOKEN}`,
  };
  if (!process.env.ADMIN_TOKENS) console.log(`admin token (dev only): ${DEV_ADMIN_TOKEN}`);
  children = services.map(({ name, port }) => {
    const entry = join(__dirname, '..', 'dist', 'apps', name, 'apps', name, 'src', 'main.js');
    const child = spawn(process.execPath, [entry], {
      env: { PORT: String(port), ...database, ...process.env, SERVICE_NAME: name },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        console.error(`${name} exited (${signal ?? code}); stopping the stack`);
        stop(1);
      }
    });
    console.log(`${name}: http://localhost:${port}  (health: /health/ready, docs: /docs)`);
    return child;
  });
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
main().catch((error) => {
  console.error(`could not start the stack: ${error.message}`);
  process.exit(1);
});
