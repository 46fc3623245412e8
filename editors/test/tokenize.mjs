// Tokenises every rule file of the given folders (default: rules/ and the prelude) with the
// TextMate grammar of editors/textmate, through vscode-textmate and Oniguruma (what VS Code
// runs), and checks that keywords, strings, numbers with units, dates, money, percentages,
// regexes and comments get their scopes, and that no word is left without a scope.
// Exit 1 with each failure listed.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const require = createRequire(import.meta.url);
const wasm = readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;
await oniguruma.loadWASM(wasm);

const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) =>
    scope === "source.aftersales"
      ? vsctm.parseRawGrammar(
          readFileSync(join(root, "editors/textmate/aftersales.tmLanguage.json"), "utf8"),
          "aftersales.tmLanguage.json"
        )
      : null,
});
const grammar = await registry.loadGrammar("source.aftersales");

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith(".rules") ? [p] : [];
  });
}

const args = process.argv.slice(2);
const paths = (args.length ? args : ["rules", "src/prelude"]).flatMap((d) => files(join(root, d)));
const failures = [];
// (text, scope) pairs every file set must show at least once
const wanted = new Map([
  ["comment.line.number-sign", "a comment"],
  ["string.quoted.double", "a string"],
  ["string.quoted.triple", "a text block"],
  ["string.regexp", "a regex"],
  ["storage.type.item", "an item keyword"],
  ["keyword.control", "a control keyword"],
  ["constant.numeric.date", "a date"],
  ["constant.numeric.money", "money"],
  ["constant.numeric.quantity", "a number with a unit"],
  ["constant.numeric.percent", "a percentage"],
  ["constant.numeric.time", "opening hours"],
  ["constant.other.code", "a code"],
]);
const seen = new Set();
const expect = [
  // [text, scope it must have] wherever it stands outside comments and strings
  [/^(?:when|then|otherwise|rule|and|or|not|has|in)$/, "keyword.control"],
  [/^(?:schema|extend|codes|decision|warranty|split|queue|route|calendar|segment|channel|returns|disposition|recall|report|template)$/, "storage.type.item"],
  [/^[A-Z]{3}[ \t]+\d[\d_]*(?:\.\d+)?$/, "constant.numeric.money"],
  [/^\d{4}-\d{2}-\d{2}$/, "constant.numeric.date"],
  [/^\d[\d_]*(?:\.\d+)?[ \t]*(?:months?|years?|days?|hours?|h|mi|km|business[ \t]+days?)$/, "constant.numeric.quantity"],
  [/^\d[\d_]*(?:\.\d+)?%$/, "constant.numeric.percent"],
];
for (const file of paths) {
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  let state = vsctm.INITIAL;
  lines.forEach((line, n) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    r.tokens.forEach((t, k) => {
      const end = k + 1 < r.tokens.length ? r.tokens[k + 1].startIndex : line.length;
      const text = line.slice(t.startIndex, end);
      const scopes = t.scopes.slice(1);
      for (const w of wanted.keys()) if (scopes.some((s) => s.startsWith(w))) seen.add(w);
      const where = `${file.slice(root.length + 1)}:${n + 1}:${t.startIndex + 1}`;
      const inert = scopes.some((s) => s.startsWith("comment") || s.startsWith("string"));
      if (inert) return;
      const word = text.trim();
      if (word && !/^[{}\[\](),:.\s]+$/.test(word) && scopes.length === 0) {
        failures.push(`${where}: \`${word}\` has no scope`);
      }
      for (const [re, scope] of expect) {
        if (re.test(word) && !scopes.some((s) => s.startsWith(scope))) {
          failures.push(`${where}: \`${word}\` should be ${scope}, is ${scopes.join(" ") || "nothing"}`);
        }
      }
    });
  });
}
for (const [scope, what] of wanted) {
  if (!seen.has(scope)) failures.push(`no token is ${what} (${scope}) in ${paths.length} file(s)`);
}
if (failures.length) {
  console.error(failures.join("\n"));
  console.error(`${failures.length} problem(s) in ${paths.length} file(s)`);
  process.exit(1);
}
console.log(`${paths.length} file(s) tokenised: every scope checked`);
