import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { REPO_ROOT } from './support/sidecar-process.js';

/**
 * The TypeScript examples of the READMEs are code a user copies: each one must compile, as written,
 * against the packages' current public API (their built declarations, as a user would import them).
 */

const READMES = [
  ...fs
    .readdirSync(path.join(REPO_ROOT, 'packages'))
    .map((p) => path.join('packages', p, 'README.md'))
    .filter((f) => fs.existsSync(path.join(REPO_ROOT, f))),
  path.join('apps', 'sidecar', 'README.md'),
];

interface Example {
  readme: string;
  line: number;
  code: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const readme of READMES) {
    const text = fs.readFileSync(path.join(REPO_ROOT, readme), 'utf8');
    for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      out.push({ readme, line: text.slice(0, m.index).split('\n').length, code: m[1]! });
    }
  }
  return out;
}

describe('README examples', () => {
  let dir: string;
  beforeAll(() => {
    // Inside the repository, so that '@amesh/…' resolves through node_modules like a user's code.
    dir = fs.mkdtempSync(path.join(REPO_ROOT, 'e2e', '.readme-examples-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every TypeScript example compiles against the current API', () => {
    const all = examples();
    expect(all.length).toBeGreaterThanOrEqual(8);
    const files = all.map((e, i) => {
      const file = path.join(dir, `example-${i}.ts`);
      // A snippet without imports is still a module (no clashes between examples).
      fs.writeFileSync(file, /^(import|export) /m.test(e.code) ? e.code : `${e.code}\nexport {};\n`);
      return file;
    });
    const program = ts.createProgram(files, {
      strict: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      noEmit: true,
      skipLibCheck: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const i = d.file ? files.indexOf(d.file.fileName) : -1;
      const where = i >= 0 ? `${all[i]!.readme}:${all[i]!.line + 1 + (d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line)}` : '?';
      return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });

  it("the translator README's createTranslator example prints what it promises", async () => {
    const example = examples().find((e) => e.readme.includes('translator') && e.code.includes('createTranslator('));
    expect(example).toBeDefined();
    const file = path.join(dir, 'incremental.ts');
    fs.writeFileSync(file, example!.code);
    const tsx = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [tsx, file], {
      cwd: REPO_ROOT,
      timeout: 60_000,
      // Nx runs tasks with FORCE_COLOR set, which makes console.log colour booleans.
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    expect(stdout.split('\n').slice(0, 2)).toEqual(['true', 'true']);
    expect(stdout).toContain("[ 'outbound|9080|v1|reviews.default.svc.cluster.local' ]");
  });
});
