// The real EvalGuard server these tests talk to: the one named by EVALGUARD_TEST_SERVER (JSON, as
// the pytest runner passes it), else one started with `python -m tests.clients.server_fixture` from
// the repository root (its .venv's python when present), stopped by closing its stdin.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface Fixture {
  base_url: string;
  keys: Record<string, string>;
  run_id: string;
  case_ids: string[];
  trace_ids: number[];
  burst: number;
}

// .test-build/test/server.js -> the repository root is four levels up.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");

export async function startServer(): Promise<{ fixture: Fixture; stop: () => Promise<void> }> {
  const given = process.env.EVALGUARD_TEST_SERVER;
  if (given) return { fixture: JSON.parse(given) as Fixture, stop: async () => {} };
  const venvPython = join(ROOT, ".venv", "bin", "python");
  const python = existsSync(venvPython) ? venvPython : "python3";
  const child: ChildProcess = spawn(python, ["-m", "tests.clients.server_fixture"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.once("exit", () => {
        clearTimeout(killer);
        done();
      });
      child.stdin?.end(); // the fixture stops the server when its stdin closes
    });
  const line = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("server fixture not ready after 300s")), 300_000);
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (text) => {
      clearTimeout(timer);
      ok(text);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server fixture exited with ${code} (python: ${python})`));
    });
  });
  return { fixture: JSON.parse(line) as Fixture, stop };
}
