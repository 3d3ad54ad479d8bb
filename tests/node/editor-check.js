// docgen's lab.yaml schema as an editor uses it: yaml-language-server (the engine of VS Code's
// YAML extension and of Neovim's yamlls) validates each file, finding the schema through the
// file's `# yaml-language-server: $schema=...` line exactly as an editor does, and offers
// completions. Run by scripts/editor-check:
//
//   node editor-check.js clean FILE...          every FILE has no diagnostic
//   node editor-check.js flags FILE LINE TEXT   FILE has a diagnostic at LINE whose message has TEXT
//   node editor-check.js offers FILE LINE:COL WORD...   completing at LINE:COL offers every WORD
//
// Exits 1 with the reason when an expectation fails.
'use strict';
const fs = require('fs');
const path = require('path');
const { pathToFileURL, fileURLToPath } = require('url');
const { getLanguageService } = require('yaml-language-server/lib/umd/languageservice/yamlLanguageService');
const { TextDocument } = require('vscode-languageserver-textdocument');

const service = getLanguageService({
  schemaRequestService: async (uri) => fs.readFileSync(fileURLToPath(uri), 'utf8'),
  workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).toString() },
});
service.configure({ validate: true, completion: true, hover: true, schemas: [] });

function open(file) {
  const full = path.resolve(file);
  return TextDocument.create(pathToFileURL(full).toString(), 'yaml', 1, fs.readFileSync(full, 'utf8'));
}

async function diagnostics(file) {
  return (await service.doValidation(open(file), false)).map(
    (d) => ({ line: d.range.start.line + 1, col: d.range.start.character + 1, message: d.message }));
}

function fail(message) {
  console.error(`editor-check: ${message}`);
  process.exit(1);
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'clean') {
    for (const file of args) {
      const found = await diagnostics(file);
      if (found.length) fail(`${file}: ${found.map((d) => `${d.line}:${d.col}: ${d.message}`).join('; ')}`);
      console.log(`editor-check: ${file}: no diagnostics`);
    }
  } else if (mode === 'flags') {
    const [file, line, text] = args;
    const found = await diagnostics(file);
    if (!found.some((d) => d.line === Number(line) && d.message.includes(text))) {
      fail(`${file}: no diagnostic at line ${line} saying "${text}"; got: ${JSON.stringify(found)}`);
    }
    console.log(`editor-check: ${file}:${line}: flagged: ${text}`);
  } else if (mode === 'offers') {
    const [file, at, ...words] = args;
    const [line, col] = at.split(':').map(Number);
    const list = await service.doComplete(open(file), { line: line - 1, character: col - 1 }, false);
    const labels = new Set(list.items.map((i) => i.label));
    const missing = words.filter((w) => !labels.has(w));
    if (missing.length) fail(`${file}:${at}: completion lacks ${missing.join(', ')}; offered: ${[...labels].join(', ')}`);
    console.log(`editor-check: ${file}:${at}: offers ${words.join(', ')}`);
  } else {
    fail(`unknown mode ${mode}`);
  }
}
main().catch((e) => fail(e.stack || String(e)));
