// Writes plain JavaScript next to every .ts file under the given directories
// (TypeScript's transpileModule: no type check, the repo's compiler options).
// Emulated Node then runs the tests without loading TypeScript, which costs
// about 20 s per process under qemu.
//   usage: node scripts/armhf-transpile.mjs DIR...
import ts from 'typescript'
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const options = {
  target: ts.ScriptTarget.ES2022,
  // ES modules as in the repo (package.json "type": "module"); NodeNext would
  // guess CommonJS here, with no package.json in view of transpileModule.
  module: ts.ModuleKind.ES2022,
  esModuleInterop: true,
  inlineSourceMap: true,
}

function* tsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) yield* tsFiles(p)
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield p
  }
}

let n = 0
for (const dir of process.argv.slice(2)) {
  for (const file of tsFiles(dir)) {
    const out = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file })
    writeFileSync(file.replace(/\.ts$/, '.js'), out.outputText)
    n++
  }
}
console.error(`armhf-transpile: ${n} files`)
