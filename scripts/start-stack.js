#!/usr/bin/env node
// Starts the three built services as separate processes against NATS_URL (default: local NATS)
// and stops them together on Ctrl-C. Later issues add embedded Postgres and demo data.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const services = [
  { name: 'tenant-service', port: 3001 },
  { name: 'sync-service', port: 3002 },
  { name: 'usage-service', port: 3003 },
];

const children = services.map(({ name, port }) => {
  const entry = join(__dirname, '..', 'dist', 'apps', name, 'apps', name, 'src', 'main.js');
  const child = spawn(process.execPath, [entry], {
    env: { PORT: String(port), ...process.env, SERVICE_NAME: name },
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping the stack`);
      stop(1);
    }
  });
  console.log(`${name}: http://localhost:${port}  (health: /health/ready)`);
  return child;
});

let stopping = false;
function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  let alive = children.filter((child) => child.exitCode === null && child.signalCode === null);
  for (const child of alive) child.kill('SIGTERM');
  const force = setTimeout(() => alive.forEach((child) => child.kill('SIGKILL')), 10_000);
  Promise.all(alive.map((child) => new Promise((resolve) => child.once('exit', resolve)))).then(
    () => {
      clearTimeout(force);
      process.exit(exitCode);
    },
  );
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
