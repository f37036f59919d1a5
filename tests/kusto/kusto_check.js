#!/usr/bin/env node
// Check KQL queries with Microsoft's Kusto language service (@kusto/language-service-next).
//
// stdin:  {"tables": {"Table": {"Column": "kusto type", ...}, ...},
//          "queries": [{"id": "name", "text": "query text", "tree": false}, ...]}
// stdout: {"parser": "<package>@<version>",
//          "results": [{"id", "diagnostics": [{severity, code, message, start, length, text}],
//                       "tree": [[depth, kind, tokenText, trivia, literalValue], ...] | null,
//                       "shape": {"digest", "strings": [...]} | null}]}
//
// "tree": true returns the whole syntax tree; "shape": true returns only a digest of it in which
// string literal tokens count by kind but not by text, plus the decoded value of every string
// literal in order: two queries that differ only in the content of string literals have the same
// digest.
//
// Every query is parsed AND semantically analysed against a database holding exactly the given
// tables, so unknown tables, unknown columns and type errors are reported, not just syntax.
// One process checks many queries: loading the language service costs ~0.2 s, a query ~1 ms.
'use strict';

const crypto = require('crypto');
const path = require('path');
const fs = require('fs');

const PACKAGE = '@kusto/language-service-next';
require(`${PACKAGE}/bridge.min.js`);
require(`${PACKAGE}/Kusto.Language.Bridge.min.js`);
/* global Kusto, System */
const K = Kusto.Language;
const S = K.Symbols;
const SyntaxKind = K.Syntax.SyntaxKind;

function packageVersion() {
  const manifest = path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), 'package.json');
  return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}

function quoteName(name) {
  // ['name'] is always accepted in a schema; plain identifiers are easier to read in messages.
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/'/g, "\\'")}']`;
}

function buildGlobals(tables) {
  const symbols = Object.entries(tables).map(([table, columns]) => {
    const schema = Object.entries(columns).map(([c, t]) => `${quoteName(c)}:${t}`).join(', ');
    return new S.TableSymbol.$ctor7(table, `(${schema})`, null);
  });
  const database = new S.DatabaseSymbol.$ctor2('netlogs', null, symbols);
  return K.GlobalState.Default.WithDatabase(database);
}

function diagnosticsOf(code, text) {
  const list = code.GetDiagnostics();
  const out = [];
  for (let i = 0; i < list.Count; i++) {
    const d = list.getItem(i);
    out.push({
      severity: String(d.Severity),
      code: String(d.Code),
      message: String(d.Message),
      start: d.Start,
      length: d.Length,
      text: text.substr(d.Start, Math.max(d.Length, 1)),
    });
  }
  return out;
}

function literalValue(element, kind) {
  if (kind !== 'StringLiteralExpression') return null;
  const value = element.LiteralValue;
  return typeof value === 'string' ? value : null;
}

// Preorder walk: the tree's shape (depth + kind), every token's text and leading trivia, and the
// decoded value of every string literal. Comparing the shape of a query rendered with a hostile
// value against one rendered with a benign value shows whether the value stayed one literal.
function treeOf(root) {
  const rows = [];
  const stack = [[root, 0]];
  while (stack.length > 0) {
    const [element, depth] = stack.pop();
    const kind = System.Enum.toString(SyntaxKind, element.Kind);
    const isToken = element.IsToken;
    rows.push([
      depth,
      kind,
      isToken ? String(element.Text) : null,
      isToken ? String(element.Trivia) : null,
      literalValue(element, kind),
    ]);
    for (let i = element.ChildCount - 1; i >= 0; i--) {
      const child = element.GetChild(i);
      if (child) stack.push([child, depth + 1]);
    }
  }
  return rows;
}

function shapeOf(rows) {
  const hash = crypto.createHash('sha256');
  const strings = [];
  for (const [depth, kind, text, trivia, value] of rows) {
    const shownText = kind === 'StringLiteralToken' ? '<string>' : text;
    hash.update(JSON.stringify([depth, kind, shownText, trivia]));
    if (kind === 'StringLiteralExpression') strings.push(value);
  }
  return { digest: hash.digest('hex'), strings };
}

function check(request) {
  const globals = buildGlobals(request.tables || {});
  const results = (request.queries || []).map((query) => {
    const code = K.KustoCode.ParseAndAnalyze(query.text, globals);
    const rows = query.tree || query.shape ? treeOf(code.Syntax) : null;
    return {
      id: query.id,
      diagnostics: diagnosticsOf(code, query.text),
      tree: query.tree ? rows : null,
      shape: query.shape ? shapeOf(rows) : null,
    };
  });
  return { parser: `${PACKAGE}@${packageVersion()}`, results };
}

function main() {
  const chunks = [];
  process.stdin.on('data', (chunk) => chunks.push(chunk));
  process.stdin.on('end', () => {
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    process.stdout.write(JSON.stringify(check(request)));
  });
}

main();
