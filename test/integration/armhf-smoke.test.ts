// make armhf-smoke, as a test: the quick start (make run's scripts/run.mjs)
// in the Debian armhf root under qemu emulation: pier through the uWS arm
// binary, the demo backends in turn, pier healthcheck, Ctrl-C; the ok line
// comes from inside the emulated process. The first
// run on a machine debootstraps the root (a few minutes); later runs reuse it.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
t.setTimeout(15 * 60_000)

t.test('the quick start under armhf emulation', async (t) => {
  const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
    // The integration suite runs the built dist/; no second build here.
    execFile('scripts/armhf-smoke.sh', [], { cwd: ROOT, timeout: 14 * 60_000, killSignal: 'SIGKILL', env: { ...process.env, PIER_ARMHF_NO_BUILD: '1' } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}\n${stderr}` }),
    )
  })
  t.equal(code, 0, 'scripts/armhf-smoke.sh succeeded')
  t.match(out, /^pier armhf smoke: ok arch=arm node=v20\.\d+\.\d+ uws=uws_linux_arm_115\.node /m, 'the emulated process reports arm, Node 20 and the arm uWS binary')
  t.match(out, /^pier armhf smoke: ok .* quickstart=whoami-1,whoami-2,whoami-1,whoami-2 healthcheck=0 ctrl-c=clean$/m, 'the quick start holds there: backends in turn, healthcheck 0, Ctrl-C leaves nothing')
  t.comment(out.trim().split('\n').filter((l) => /^(pier armhf smoke|armhf-smoke):/.test(l)).join('; '))
})
