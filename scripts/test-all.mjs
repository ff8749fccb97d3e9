#!/usr/bin/env node
// `npm test`: the system packages (scripts/setup-system.sh: installs what is missing when it can,
// else says what to install), typecheck, lint, unit tests (vitest in Node) and end-to-end tests
// (Chromium on WebGPU). Each stage always runs; the last line sums them as 'N passed, N failed'
// (the system check, typecheck and lint count one each).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('out', { recursive: true });
let passed = 0;
let failed = 0;
const summary = [];

function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  return { code: r.status ?? 1, seconds: s };
}

function check(name, cmd, args) {
  const r = run(name, cmd, args);
  if (r.code === 0) passed++;
  else failed++;
  summary.push(`${name}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`} in ${r.seconds} s`);
}

function vitestStage(name, cmd, args, jsonFile) {
  rmSync(jsonFile, { force: true });
  const r = run(name, cmd, [...args, '--reporter=default', '--reporter=json', `--outputFile=${jsonFile}`]);
  let p = 0;
  let f = 0;
  if (existsSync(jsonFile)) {
    const j = JSON.parse(readFileSync(jsonFile, 'utf8'));
    p = j.numPassedTests;
    f = j.numFailedTests;
    // A suite that failed to load has no failed tests but did fail.
    const broken = (j.testResults ?? []).filter(
      (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
    ).length;
    f += broken;
  }
  if (r.code !== 0 && f === 0) f = 1; // e.g. no Chromium, build failure
  if (p === 0 && f === 0) f = 1; // a stage that ran no test proves nothing
  passed += p;
  failed += f;
  summary.push(`${name}: ${p} passed, ${f} failed in ${r.seconds} s`);
}

check('system', 'sh', ['scripts/setup-system.sh']);
check('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
check('lint', 'npm', ['run', '--silent', 'lint']);
vitestStage('unit', 'npx', ['vitest', 'run'], 'out/unit.json');
vitestStage('e2e', 'node', ['scripts/e2e.mjs'], 'out/e2e.json');

console.log('\n' + summary.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
