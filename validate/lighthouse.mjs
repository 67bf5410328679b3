// Lighthouse 12 over a list of pages with one Chromium: `node lighthouse.mjs JOBS.json OUTDIR`.
// JOBS.json is [{"name": "home", "url": "http://…/", "form": "desktop" | "mobile"}, …]; each
// run's full result (LHR) is written to OUTDIR/<name>-<form>.json for scripts/validate to read.
// One browser for every run: starting Chromium for each of ~22 runs cost more than the runs.
import fs from 'node:fs';
import path from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';

const [jobsFile, outDir] = process.argv.slice(2);
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const categories = ['performance', 'accessibility', 'best-practices', 'seo'];

const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  chromeFlags: [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
    // The machine has no outside network: keep Chromium from trying (and from timing out).
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--no-first-run',
  ],
});
let failed = 0;
try {
  for (const job of jobs) {
    // No full-page screenshot: it only illustrates the HTML report, and costs seconds a run.
    const flags = {
      port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: categories,
      disableFullPageScreenshot: true,
    };
    const config = job.form === 'desktop' ? desktopConfig : undefined;
    const started = Date.now();
    try {
      const result = await lighthouse(job.url, flags, config);
      fs.writeFileSync(path.join(outDir, `${job.name}-${job.form}.json`), result.report);
      console.log(`lighthouse ${job.name} ${job.form}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      // Written as a result with no scores: the Python side reports it as this page's failure.
      failed += 1;
      fs.writeFileSync(
        path.join(outDir, `${job.name}-${job.form}.json`),
        JSON.stringify({ runtimeError: { code: 'RUN_FAILED', message: String(error) } }),
      );
      console.error(`lighthouse ${job.name} ${job.form}: ${error}`);
    }
  }
} finally {
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
