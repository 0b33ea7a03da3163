// A TypeScript compile service for the grlo-kit code sandbox (runs under Node, inside it).
//
// MultiPL-E runs `tsc --target esnext main.ts` once per program (2-3 s each, mostly parsing
// and checking the default lib files). This service keeps one compiler loaded and answers
// the same question for many programs, each in its own program object, with the same
// verdict as the CLI:
//
// - Every request compiles one file, seen at /work/main.ts, with only the compiler's own lib
//   files besides it (nothing else under /work is visible), options { target: ESNext } as
//   the CLI parses them, and the CLI's diagnostic order (syntactic; then options, global and
//   semantic) and emit. tsc exits non-zero iff there is any diagnostic.
// - Parsed lib files are cached and shared between programs (as a language service does);
//   checking them is skipped when it cannot change the answer: the program uses exactly
//   the default lib files, and main.ts adds no global declaration whose name a lib file
//   declares (nor a `declare global` / UMD export). Lib files check clean on their own and
//   only interact with main.ts through such merged globals, so then their diagnostics are
//   empty, as the CLI would find (that the lib files of the pinned compiler check clean is
//   tested, not re-checked at every start). Otherwise every file is checked, as the CLI does.
//
// Protocol: one JSON request per stdin line {"id", "source"}; one JSON response per stdout
// line {"id", "ok", "count", "errors", "js", "full", "ms"}. It exits when stdin closes.
"use strict";

const path = require("node:path");
const readline = require("node:readline");

const tsDir = process.argv[2];
const ts = require(path.join(tsDir, "lib", "typescript.js"));

const MAIN = "/work/main.ts";
const OPTIONS = { target: ts.ScriptTarget.ESNext };
const base = ts.createCompilerHost(OPTIONS);
const cache = new Map();

function makeHost(source, onWrite) {
  const hidden = (p) => p.startsWith("/work/") && p !== MAIN;
  return {
    ...base,
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors, // as the tsc CLI sets it
    getCurrentDirectory: () => "/work",
    fileExists: (p) => p === MAIN || (!hidden(p) && base.fileExists(p)),
    readFile: (p) => (p === MAIN ? source : hidden(p) ? undefined : base.readFile(p)),
    directoryExists: (p) => p === "/work" || (!hidden(p) && base.directoryExists(p)),
    getDirectories: (p) => (p === "/work" || hidden(p) ? [] : base.getDirectories(p)),
    getSourceFile: (p, languageVersion, onError) => {
      if (p === MAIN) return ts.createSourceFile(p, source, languageVersion);
      if (hidden(p)) return undefined;
      const key = `${p}\0${JSON.stringify(languageVersion)}`;
      let sf = cache.get(key);
      if (sf === undefined) {
        sf = base.getSourceFile(p, languageVersion, onError);
        cache.set(key, sf);
      }
      return sf;
    },
    writeFile: (_p, text) => onWrite(text),
  };
}

// The lib files of an empty program and every global name they declare.
let baselineFiles = null;
let libGlobals = null;

function baseline() {
  if (baselineFiles !== null) return;
  const program = ts.createProgram([MAIN], OPTIONS, makeHost("", () => {}));
  program.getTypeChecker(); // binds every file
  baselineFiles = new Set();
  libGlobals = new Set(["globalThis", "undefined"]);
  for (const sf of program.getSourceFiles()) {
    if (sf.fileName === MAIN) continue;
    baselineFiles.add(sf.fileName);
    if (sf.locals) { for (const name of sf.locals.keys()) libGlobals.add(name); }
  }
}

function touchesLibGlobals(program, sf) {
  const files = program.getSourceFiles();
  if (files.length !== baselineFiles.size + 1) return true;
  for (const f of files) if (f !== sf && !baselineFiles.has(f.fileName)) return true;
  if (ts.isExternalModule(sf)) {
    return /\bglobal\b/.test(sf.text) ||
      sf.statements.some((s) => s.kind === ts.SyntaxKind.NamespaceExportDeclaration);
  }
  if (!sf.locals) return true;
  for (const name of sf.locals.keys()) if (libGlobals.has(name)) return true;
  return false;
}

function compile(source) {
  const t0 = performance.now();
  let js = null;
  const program = ts.createProgram([MAIN], OPTIONS, makeHost(source, (text) => (js = text)));
  const sf = program.getSourceFile(MAIN);
  let diags = [...program.getSyntacticDiagnostics()];
  let full = false;
  if (diags.length === 0) {
    diags = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
    if (diags.length === 0) {
      program.getTypeChecker();
      diags = [...program.getSemanticDiagnostics(sf)];
      if (diags.length === 0 && touchesLibGlobals(program, sf)) {
        full = true;
        diags = [...program.getSemanticDiagnostics()];
      }
    }
  }
  const emit = program.emit(sf);
  diags.push(...emit.diagnostics);
  const errors = ts.formatDiagnostics(diags.slice(0, 5), {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => "/work",
    getNewLine: () => "\n",
  });
  return {
    ok: diags.length === 0,
    count: diags.length,
    errors,
    js,
    full,
    ms: performance.now() - t0,
  };
}

baseline();
process.stdout.write(JSON.stringify({ ready: true }) + "\n");
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  const req = JSON.parse(line);
  let res;
  try {
    res = { id: req.id, ...compile(req.source) };
  } catch (e) {
    res = { id: req.id, crash: String((e && e.stack) || e).slice(0, 2000) };
  }
  process.stdout.write(JSON.stringify(res) + "\n");
});
rl.on("close", () => process.exit(0));
