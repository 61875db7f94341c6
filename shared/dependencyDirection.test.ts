import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The layer rules shared/README.md writes down, checked on every import of the product's code
 * (type-only imports included: a type pulled the wrong way drags its module's meaning with it),
 * so the map cannot drift from the code again. rules/ has its own, stricter test
 * (rules/rulesArePure.test.ts).
 */
const ROOT = path.resolve(__dirname, '..');

/** The part of the product a file belongs to: `api`, `worker`, `scripts`, or `shared/<folder>`. */
function partOf(file: string): string {
  const [top, folder] = path.relative(ROOT, file).split(path.sep);
  return top === 'shared' ? `shared/${folder}` : top;
}

const USE_CASES = ['shared/imports', 'shared/undo', 'shared/invitations', 'shared/directory'];
const FILE_FORMATS = ['shared/csv', 'shared/workbook'];

/** Which parts each part may not import, and why. */
const FORBIDDEN: { from: string[]; to: string[]; why: string }[] = [
  { from: ['api', 'worker'], to: ['scripts'], why: 'an entry point stands on its own parts (api/apiPart.ts, worker/workerPart.ts), never on the development scripts' },
  { from: ['api'], to: ['worker'], why: 'the API and the worker are separate processes' },
  { from: ['worker'], to: ['api'], why: 'the API and the worker are separate processes' },
  { from: ['shared/*'], to: ['api', 'worker', 'scripts'], why: 'shared/ is what the entry points call, never the other way' },
  { from: ['shared/platform'], to: ['shared/*'], why: 'platform/ is plumbing: it knows no collection, queue, rule nor use case' },
  { from: FILE_FORMATS, to: ['shared/data', 'shared/queues', 'shared/process', ...USE_CASES], why: 'a file format knows bytes and records, not where they are kept' },
  { from: ['shared/data'], to: ['shared/queues', 'shared/process', ...USE_CASES], why: 'data access serves the use cases and knows no queue' },
  { from: ['shared/queues'], to: ['shared/data', 'shared/process', ...USE_CASES], why: 'queues/ knows BullMQ and the payloads only' },
  { from: ['shared/process'], to: USE_CASES, why: 'a process opens connections and starts parts; the parts call the use cases' },
];

function matches(pattern: string, part: string): boolean {
  return pattern === 'shared/*' ? part.startsWith('shared/') : pattern === part;
}

/** Every relative module a file imports, exports from or requires, with the line it does so on. */
function importsOf(file: string, text: string): { target: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: { target: string; line: number }[] = [];
  const add = (specifier: string, node: ts.Node) => {
    if (!specifier.startsWith('.')) return;
    found.push({ target: path.resolve(path.dirname(file), specifier), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const [argument] = node.arguments;
      if (argument && ts.isStringLiteral(argument)) add(argument.text, node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function productFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'public' || entry.name === 'node_modules' ? [] : productFiles(full);
    return /\.ts$/.test(entry.name) && !/\.(test|fixtures)\.ts$/.test(entry.name) ? [full] : [];
  });
}

/** The wrong-way imports of these files, one line each; empty when every import points the right way. */
function wrongWayImports(files: { file: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { file, text } of files) {
    const from = partOf(file);
    for (const { target, line } of importsOf(file, text)) {
      const to = partOf(target);
      const where = `${path.relative(ROOT, file)}:${line} imports ${path.relative(ROOT, target)}`;
      if (/Model$/.test(path.basename(target)) && to === 'shared/data' && from !== 'shared/data') {
        problems.push(`${where}: only data/ touches a model; call its collection's store`);
      }
      if (to === from) continue;
      for (const rule of FORBIDDEN) {
        if (!rule.from.some((pattern) => matches(pattern, from)) || !rule.to.some((pattern) => matches(pattern, to))) continue;
        problems.push(`${where}: ${rule.why}`);
      }
    }
  }
  return problems;
}

const PRODUCT = ['api', 'worker', 'shared', 'scripts'].flatMap((dir) => productFiles(path.join(ROOT, dir))).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));

describe('dependencies point one way (shared/README.md)', () => {
  it('no product file imports against the layer rules', () => {
    expect(PRODUCT.length).toBeGreaterThan(100);
    expect(wrongWayImports(PRODUCT)).toEqual([]);
  });

  it.each([
    ['a use case that imports a model', 'shared/imports/runImport.ts', "import { UserModel } from '../data/userModel';"],
    ['an entry point that stands on scripts/', 'api/main.ts', "import { startService } from '../scripts/service';"],
    ['platform/ that registers models', 'shared/platform/runtime.ts', "import '../data/userModel';"],
    ['platform/ that builds the queues', 'shared/platform/runtime.ts', "import { createImportQueue } from '../queues/queues';"],
    ['a file format that knows the store', 'shared/workbook/workbookArchive.ts', "import { isDatabaseUnavailable } from '../data/databaseErrors';"],
    ['a file format that knows the store, by type only', 'shared/workbook/workbookRecords.ts', "import type { UploadByteRanges } from '../data/uploadStore';"],
    ['the worker that reaches into the API', 'worker/importWorker.ts', "import { createApp } from '../api/app';"],
    ['data access that calls a use case', 'shared/data/userStore.ts', "import { runImport } from '../imports/runImport';"],
  ])('When %s is written, then the check names it', (_name, file, line) => {
    const problems = wrongWayImports([{ file: path.join(ROOT, file), text: `${line}\n` }]);
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), line.match(/'([^']+)'/)![1]));
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expect(problem).toContain(`${file}:1 imports ${target}`);
  });
});
