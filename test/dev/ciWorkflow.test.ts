import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// GitHub Actions cannot run here: this checks the workflow file says what CI must do.
const root = path.join(__dirname, '..', '..');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  'continue-on-error'?: unknown;
}
interface Service {
  image?: string;
  ports?: unknown[];
  options?: string;
}
interface Job {
  'runs-on'?: string;
  env?: Record<string, unknown>;
  services?: Record<string, Service>;
  steps?: Step[];
  'continue-on-error'?: unknown;
}
interface Workflow {
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
}

const workflow = parse(readFileSync(path.join(root, '.github/workflows/ci.yml'), 'utf8')) as Workflow;
const jobs = workflow.jobs ?? {};

/** The commands README's quick start gives for running the tests, e.g. ['npm ci', 'npm test']. */
function readmeTestCommands(): string[] {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /Run the tests:\s*```sh\n([^\n]+)\n```/.exec(readme);
  if (!block) throw new Error('README.md has no "Run the tests:" block with a one-line sh command');
  return block[1].split('&&').map((command) => command.trim());
}

const readmeCommands = readmeTestCommands();
const readmeTestCommand = readmeCommands[readmeCommands.length - 1];

const runs = (job: Job) => (job.steps ?? []).filter((step) => step.run !== undefined).map((step) => step.run!.trim());
const runsTheSuite = (command: string) => /\bjest\b|\bnpm\s+(run\s+)?test\b|\bnpx\s+jest\b/.test(command);
/** Workflow, job and step environment merged, the way the runner gives it to the step. */
const envOf = (job: Job, step: Step) => ({ ...workflow.env, ...job.env, ...step.env });
function testStep(job: Job): Step {
  const step = (job.steps ?? []).find((candidate) => candidate.run?.trim() === readmeTestCommand);
  if (!step) throw new Error(`no step runs README's test command "${readmeTestCommand}"`);
  return step;
}

describe('the GitHub workflow runs the suite against the stand-in and against a real mongod', () => {
  test("README's quick start gives the command the jobs must run: an install, then the test run", () => {
    expect(readmeCommands.length).toBeGreaterThanOrEqual(2);
    expect(readmeTestCommand).toMatch(/^npm (run )?test\b/);
  });

  test('When the workflow is read, then it has exactly the jobs stand-in and mongod, on ubuntu', () => {
    expect(Object.keys(jobs).sort()).toEqual(['mongod', 'stand-in']);
    for (const job of Object.values(jobs)) expect(job['runs-on']).toBe('ubuntu-latest');
  });

  test.each(['stand-in', 'mongod'])('Job %s checks out the code and uses Node 20 with the npm cache, through pinned major versions', (name) => {
    const steps = jobs[name].steps ?? [];
    const uses = steps.map((step) => step.uses).filter(Boolean);
    expect(uses).toContain('actions/checkout@v4');
    const setupNode = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.uses).toBe('actions/setup-node@v4');
    expect(String(setupNode?.with?.['node-version'])).toMatch(/^20(\.|$)/);
    expect(setupNode?.with?.cache).toBe('npm');
  });

  test.each(['stand-in', 'mongod'])('Job %s has a redis:7 service on 6379 with a health check, and redis-server on PATH for the tests that start their own', (name) => {
    const redis = Object.values(jobs[name].services ?? {}).find((service) => service.image?.startsWith('redis'));
    expect(redis?.image).toBe('redis:7');
    expect((redis?.ports ?? []).map(String)).toContain('6379:6379');
    expect(redis?.options).toMatch(/--health-cmd/);
    expect(runs(jobs[name]).some((command) => /apt-get install[^\n]*\bredis-server\b/.test(command))).toBe(true);
  });

  test.each(['stand-in', 'mongod'])(
    'Job %s runs exactly the README commands, in order, and no other command that runs the suite',
    (name) => {
      const commands = runs(jobs[name]);
      const positions = readmeCommands.map((command) => commands.indexOf(command));
      expect(positions.every((position) => position >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(commands.filter(runsTheSuite)).toEqual([readmeTestCommand]);
    },
  );

  test.each(['stand-in', 'mongod'])('Job %s cannot skip the browser tests silently', (name) => {
    const job = jobs[name];
    const step = testStep(job);
    const env = envOf(job, step);
    // browserSession skips the browser suites when CHROMIUM_PATH is missing, unless this is '1'.
    expect(String(env.REQUIRE_BROWSER_TESTS)).toBe('1');
    expect(env.CHROMIUM_PATH).toEqual(expect.stringMatching(/^\//));
    // The browser is shown to exist before the suite starts.
    const steps = job.steps ?? [];
    const check = steps.findIndex((candidate) => /\$\{?CHROMIUM_PATH\}?"?\s+--version/.test(candidate.run ?? ''));
    expect(check).toBeGreaterThanOrEqual(0);
    expect(check).toBeLessThan(steps.indexOf(step));
    // Nothing lets a failure pass or the suite be skipped.
    expect(job['continue-on-error']).toBeUndefined();
    for (const candidate of steps) expect(candidate['continue-on-error']).toBeUndefined();
    expect(step.if).toBeUndefined();
  });

  test('Job stand-in names no MongoDB and may not download a mongod, so the suite runs on the in-memory stand-in', () => {
    const job = jobs['stand-in'];
    const env = envOf(job, testStep(job));
    expect(env.MONGO_URL).toBeUndefined();
    expect(String(env.MONGOMS_RUNTIME_DOWNLOAD)).toBe('false');
    expect(Object.values(job.services ?? {}).some((service) => service.image?.startsWith('mongo'))).toBe(false);
  });

  test('Job mongod runs the suite against a mongo:7 service through MONGO_URL naming the server only', () => {
    const job = jobs.mongod;
    const mongo = Object.values(job.services ?? {}).find((service) => service.image?.startsWith('mongo'));
    expect(mongo?.image).toBe('mongo:7');
    expect((mongo?.ports ?? []).map(String)).toContain('27017:27017');
    expect(mongo?.options).toMatch(/--health-cmd/);
    const url = envOf(job, testStep(job)).MONGO_URL;
    // No database in the URL: each test file picks its own, and the fault suite appends one to it.
    expect(url).toBe('mongodb://127.0.0.1:27017/');
  });
});
