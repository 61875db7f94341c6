import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
/** What `npm start`, `start:api` and `start:worker` run (package.json, Dockerfile). */
const ENTRY_POINTS = ['api/main.ts', 'worker/main.ts', 'scripts/start.ts'];

/** Every file the entry points load, following relative imports, and the packages they name. */
function productionImports(): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = ENTRY_POINTS.map((entry) => path.join(ROOT, entry));
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    // Type-only imports are erased by the compiler: they load nothing at run time.
    const specifiers = [...source.matchAll(/^(?!import type)(?:import|export)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/gm)].map((match) => match[1] ?? match[2] ?? match[3] ?? match[4]);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) {
        const base = path.resolve(path.dirname(file), specifier);
        const resolved = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => existsSync(candidate));
        if (resolved) pending.push(resolved);
      } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        packages.set(name, path.relative(ROOT, file));
      }
    }
  }
  return { files, packages };
}

describe('what a production install carries', () => {
  test('When the API, the worker or npm start load their code, then every package they import is a production dependency', () => {
    const { files, packages } = productionImports();
    expect(files.size).toBeGreaterThan(50);
    const missing = [...packages].filter(([name]) => !(name in manifest.dependencies)).map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });

  test('When the development stand-ins are needed, then their packages are devDependencies only, and no production file reaches them', () => {
    for (const name of ['smtp-server', 'mongodb-memory-server-core', 'bson', 'mingo', 'pino-pretty']) {
      expect(manifest.devDependencies).toHaveProperty(name);
      expect(manifest.dependencies).not.toHaveProperty(name);
    }
    const reached = [...productionImports().files].map((file) => path.relative(ROOT, file));
    expect(reached.filter((file) => file.startsWith('scripts/embedded') || file.startsWith('test/'))).toEqual([]);
  });
});

describe('CI starts what a production install runs', () => {
  const ciRun = readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
  const check = readFileSync(path.join(ROOT, '.ci', 'productionStart'), 'utf8');
  /** The command line that starts `entry` with an environment of its own, joined across continuation lines. */
  const commandStarting = (entry: string) => check.replace(/\\\n\s*/g, ' ').split('\n').find((line) => line.includes('env -i') && line.includes(`node ${entry}`)) ?? '';

  test('When CI runs, then after the suite it starts the compiled API and worker from an npm ci --omit=dev install and fails if a stand-in package is in it', () => {
    expect(ciRun.indexOf('bash .ci/productionStart')).toBeGreaterThan(ciRun.indexOf('npm test'));
    expect(check).toContain('npm run build');
    expect(check).toMatch(/npm ci --omit=dev/);
    for (const name of ['smtp-server', 'mongodb-memory-server-core', 'mingo', 'pino-pretty']) expect(check).toMatch(new RegExp(`for name in [^\\n]*\\b${name}\\b`));
    expect(check).toContain('npm explain bson');
  });

  test('When CI starts them, then the worker is given no API_KEYS and the API no SMTP_URL nor INVITE_SECRET, and neither inherits the environment', () => {
    const worker = commandStarting('dist/worker/main.js');
    const api = commandStarting('dist/api/main.js');
    for (const line of [worker, api]) expect(line).toContain('env -i "${common[@]}"');
    expect(check).toMatch(/^common=\(.*MONGO_URL=.*REDIS_URL=/m);
    expect(worker).toContain('INVITE_SECRET=');
    expect(worker).not.toContain('API_KEYS');
    expect(api).toContain('API_KEYS=');
    expect(api).not.toMatch(/SMTP_URL|INVITE_SECRET/);
    expect(check).not.toMatch(/^common=.*(API_KEYS|SMTP_URL|INVITE_SECRET)/m);
  });
});
