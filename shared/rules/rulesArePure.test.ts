import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * shared/rules/ holds the product's decisions and every message an admin reads, and nothing
 * else: no database, queue, network, file, clock or randomness. That is what lets its tests be
 * tables, and what lets a reader trust that a rule means the same wherever it runs.
 */
const RULES = __dirname;
/** What a rule may import besides its neighbours: a schema library and the error values. */
const ALLOWED_PACKAGES = new Set(['zod']);
const ALLOWED_OUTSIDE = new Set([path.join(RULES, '..', 'platform', 'appError')]);
/** Reading the clock, drawing random numbers or touching the process: a rule is given these. */
const IMPURE_CALLS: { pattern: RegExp; why: string }[] = [
  { pattern: /\bDate\.now\s*\(/, why: 'reads the clock (take `now` as an argument)' },
  { pattern: /\bnew Date\s*\(\s*\)/, why: 'reads the clock (take `now` as an argument)' },
  { pattern: /\bperformance\.now\s*\(/, why: 'reads the clock' },
  { pattern: /\bMath\.random\s*\(/, why: 'draws random numbers' },
  { pattern: /\bprocess\./, why: 'reads the process (configuration comes in as arguments)' },
  { pattern: /\b(setTimeout|setInterval|setImmediate)\s*\(/, why: 'schedules work' },
];

/** The reasons a rules file is not pure, one line each; empty when it is. */
function impurities(fileName: string, source: string): string[] {
  const problems: string[] = [];
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const checkSpecifier = (specifier: string, node: ts.Node) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    if (specifier.startsWith('.')) {
      const target = path.resolve(path.dirname(fileName), specifier);
      if (path.dirname(target) !== RULES && !ALLOWED_OUTSIDE.has(target)) problems.push(`${path.basename(fileName)}:${line} imports ${specifier}, outside shared/rules/`);
    } else if (!ALLOWED_PACKAGES.has(specifier)) {
      problems.push(`${path.basename(fileName)}:${line} imports the package ${specifier}`);
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && !node.importClause?.isTypeOnly) {
      checkSpecifier(node.moduleSpecifier.text, node);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      checkSpecifier(node.moduleSpecifier.text, node);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      const [argument] = node.arguments;
      checkSpecifier(argument && ts.isStringLiteral(argument) ? argument.text : '(computed)', node);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  for (const { pattern, why } of IMPURE_CALLS) {
    if (pattern.test(code)) problems.push(`${path.basename(fileName)} ${why}: ${pattern.source}`);
  }
  return problems;
}

const ruleFiles = fs
  .readdirSync(RULES)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => path.join(RULES, name));

describe('shared/rules/ is pure', () => {
  test('it holds the row rules', () => {
    expect(ruleFiles.map((file) => path.basename(file))).toEqual(expect.arrayContaining(['rowDecision.ts', 'userColumns.ts', 'importSettings.ts']));
  });

  test('no file in it imports I/O, reads the clock, draws random numbers or touches the process', () => {
    expect(ruleFiles.flatMap((file) => impurities(file, fs.readFileSync(file, 'utf8')))).toEqual([]);
  });

  test('the check itself catches each kind of impurity', () => {
    const sample = path.join(RULES, 'sample.ts');
    const found = impurities(
      sample,
      [
        "import mongoose from 'mongoose';",
        "import { readFile } from 'node:fs/promises';",
        "import { UserModel } from '../data/userModel';",
        "export { queueName } from '../queues/queues';",
        "const lazy = () => import('bullmq');",
        'const stamp = () => Date.now();',
        'const today = () => new Date();',
        'const pick = () => Math.random();',
        'const home = process.env.HOME;',
      ].join('\n'),
    );
    expect(found).toHaveLength(9);
    expect(impurities(sample, "import type { Queue } from 'bullmq';\nimport { ROLES } from './roles';\nconst at = (now: Date) => new Date(now.getTime());")).toEqual([]);
  });
});
