// Kiosk enrolments for the browser tests, made by enrol_helper.py (a real
// uchet-devsim and the kiosk API, as tests/api/test_kiosk.py makes them).

import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO } from './harness.mjs';

// Starts the helper in `dir`. Resolves to { config, enrol(base, key, details), stop() }:
// `config` is the INI file for startServer({ config }) (the kiosk settings);
// enrol() resolves to the new enrolment's receipt number; its `page` says
// what the document step sends: the scanner's page (true, as the kiosk
// does), a camera frame ("camera") or the zone's text (false).
export async function startEnrolHelper(dir) {
  const helper = spawn('/usr/bin/python3', [path.join(REPO, 'tests/browser/enrol_helper.py'), dir],
    { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
  const lines = readline.createInterface({ input: helper.stdout });
  const nextLine = () => new Promise((resolve, reject) => {
    const exited = (c) => reject(new Error(`enrol_helper exited with ${c}`));
    helper.once('exit', exited);
    lines.once('line', (l) => { helper.off('exit', exited); resolve(JSON.parse(l)); });
  });
  const { config } = await nextLine();
  return {
    config,
    async enrol(base, key, details, page = false) {
      helper.stdin.write(`${JSON.stringify({ base, key, details, page })}\n`);
      return (await nextLine()).receipt;
    },
    stop() { helper.stdin.end(); },
  };
}
