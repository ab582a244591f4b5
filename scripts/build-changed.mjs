// `npm start` builds only what changed since the last build (a full `npm run build`
// takes 10-20 s): the server when a source under src/ or a tsconfig is newer than
// dist/main.js, the UI when anything under web/ is newer than dist/web/index.html.
// A file deleted from src/ is not noticed: `npm run build` starts from scratch.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const mtime = (file) => {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
};

const newest = (paths) =>
  Math.max(
    ...paths.flatMap((path) =>
      statSync(path).isDirectory()
        ? readdirSync(path, { recursive: true, encoding: 'utf8' }).map((f) => mtime(join(path, f)))
        : [mtime(path)],
    ),
  );

const build = (what, command, args) => {
  process.stderr.write(`build: ${what}\n`);
  execFileSync(command, args, { stdio: 'inherit' });
};

if (
  newest(['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) >
  mtime('dist/main.js')
)
  build('server (tsc)', 'npx', ['tsc', '-p', 'tsconfig.build.json']);
if (newest(['web', 'package-lock.json']) > mtime('dist/web/index.html'))
  build('UI (vite)', 'npx', ['vite', 'build', '--config', 'web/vite.config.ts']);
