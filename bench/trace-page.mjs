// One traced run through the page (Chromium's performance trace over CDP):
// prints the main thread's tasks over 4 ms from the click to done, with
// what filled them, and the workers' busy spans, to see what the page
// does after the worker replies.
//
// node bench/trace-page.mjs FILE WORKERS [WWW]
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const [file = 'target/bench/data/customers-1000000.json', workers = '1', www = 'www'] = process.argv.slice(2);
const { origin, stop } = await startMock(['--www', www]);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(`${origin}/?seed=1&as_of=2026-11-24&workers=${workers}`);
  await page.waitForFunction(() => document.getElementById('run-status').dataset.state === 'idle');
  await page.setInputFiles('#file-input', file);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'toplevel', 'blink.user_timing'] },
    transferMode: 'ReportEvents',
  });
  const clicked = Date.now();
  await page.click('#run');
  await page.waitForFunction(() => ['done', 'failed'].includes(document.getElementById('run-status').dataset.state), null, { timeout: 600_000, polling: 50 });
  const seconds = (Date.now() - clicked) / 1000;
  await page.waitForTimeout(1500);
  await cdp.send('Tracing.end');
  await complete;
  console.log(`run → done ${seconds.toFixed(2)} s (workers=${workers})`);
  const names = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, e.args.name);
  const click = events.find((e) => e.name === 'EventDispatch' && e.args?.data?.type === 'click');
  const t0 = click?.ts ?? Math.min(...events.filter((e) => e.ts).map((e) => e.ts));
  const mainKey = click ? `${click.pid}:${click.tid}` : [...names].find(([, n]) => n === 'CrRendererMain')[0];
  const ms = (t) => ((t - t0) / 1000).toFixed(0);
  const top = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === mainKey && e.name === 'ThreadControllerImpl::RunTask' && e.dur > 4000 && e.ts >= t0);
  for (const task of top) {
    const inner = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === mainKey && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= task.ts + task.dur && e !== task && e.dur > 1000 && e.name !== 'ThreadControllerImpl::RunTask' && e.name !== 'RunTask');
    const sum = new Map();
    for (const e of inner) {
      const label = e.name === 'FunctionCall' ? `FunctionCall ${e.args?.data?.functionName || ''}@${(e.args?.data?.url || '').split('/').pop()}:${e.args?.data?.lineNumber ?? ''}` : e.name;
      sum.set(label, (sum.get(label) ?? 0) + e.dur / 1000);
    }
    const parts = [...sum].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ');
    console.log(`main ${ms(task.ts)}–${ms(task.ts + task.dur)} ms (${(task.dur / 1000).toFixed(0)}): ${parts}`);
  }
  // Workers: spans of busy time (tasks over 20 ms), merged.
  for (const [key, name] of names) {
    if (!/Worker/.test(name)) continue;
    const tasks = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === key && e.name === 'RunTask' && e.ts >= t0).sort((a, b) => a.ts - b.ts);
    if (!tasks.length) continue;
    const busy = tasks.reduce((s, e) => s + e.dur, 0) / 1000;
    const big = tasks.filter((e) => e.dur > 20000).slice(-4).map((e) => `${ms(e.ts)}–${ms(e.ts + e.dur)}`).join(', ');
    if (process.env.TRACE_TASKS) {
      const from = Number(process.env.TRACE_TASKS);
      for (const e of tasks) if (e.dur > 2000 && (e.ts - t0) / 1000 >= from) console.log(`  ${name} ${key} task ${ms(e.ts)}–${ms(e.ts + e.dur)} cpu ${((e.tdur ?? 0) / 1000).toFixed(0)}`);
    }
    console.log(`${name} ${key}: busy ${busy.toFixed(0)} ms, first ${ms(tasks[0].ts)}, last tasks over 20 ms: ${big}`);
  }
  // CPU per thread (every process): the top-level tasks' thread time, not nested ones.
  const byThread = new Map();
  for (const e of events) {
    if (e.ph !== 'X' || e.ts < t0 || e.tdur === undefined || !/toplevel/.test(e.cat ?? '')) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  const processNames = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'process_name') processNames.set(e.pid, e.args.name);
  const cpu = [];
  for (const [key, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts);
    let end = -Infinity;
    let thread = 0;
    let wall = 0;
    for (const e of list) {
      if (e.ts < end) continue;
      end = e.ts + e.dur;
      thread += e.tdur;
      wall += e.dur;
    }
    const pid = Number(key.split(':')[0]);
    cpu.push([`${processNames.get(pid) ?? pid}/${names.get(key) ?? key}`, thread / 1000, wall / 1000]);
  }
  cpu.sort((a, b) => b[1] - a[1]);
  let total = 0;
  for (const [name, thread, wall] of cpu) {
    total += thread;
    if (thread >= 5) console.log(`cpu ${name}: ${thread.toFixed(0)} ms thread time in ${wall.toFixed(0)} ms of tasks`);
  }
  console.log(`cpu, every thread's top-level tasks: ${total.toFixed(0)} ms`);
  const status = events.filter((e) => `${e.pid}:${e.tid}` === mainKey && e.name === 'TimerFire').length;
  console.log(`timers fired on main: ${status}`);
  if (process.env.TRACE_OUT) writeFileSync(process.env.TRACE_OUT, JSON.stringify({ traceEvents: events }));
} finally {
  await browser.close();
  await stop();
}
