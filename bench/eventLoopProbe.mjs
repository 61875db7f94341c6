// Preloaded into a process (node --import) to measure its event loop from outside the product,
// so the same figure can be taken of any version of the worker: the longest delay seen is
// written to EVENT_LOOP_PROBE_FILE every second.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';

const file = process.env.EVENT_LOOP_PROBE_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const write = () => writeFileSync(file, String(histogram.max / 1e6));
  setInterval(write, 1000).unref();
  process.on('exit', write);
  // The bench signals when the measured work starts: loading the modules at start-up blocks the
  // loop for up to a second, which is no delay an import causes.
  process.on('SIGUSR2', () => histogram.reset());
}
