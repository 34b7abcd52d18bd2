// Starts target/release/mock-api on a free port for a benchmark driver.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Starts the mock with `args` (plus `--port 0`); resolves to {origin, stop, kill}:
 * `stop` waits for the exit, `kill` is synchronous (for process 'exit' hooks).
 */
export function startMock(args) {
  const mock = spawn('target/release/mock-api', [...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  mock.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    mock.stdout.on('data', function listen(chunk) {
      const match = /listening on (http:\/\/\S+)/.exec(chunk);
      if (match) {
        // Keep draining stdout (one line per request) so the mock never blocks on it.
        mock.stdout.off('data', listen);
        mock.stdout.resume();
        resolve({
          origin: match[1],
          stop: async () => {
            mock.kill();
            await once(mock, 'exit');
          },
          kill: () => {
            if (mock.exitCode === null) mock.kill();
          },
        });
      }
    });
    mock.on('exit', (code) => reject(new Error(`mock-api exited with ${code}`)));
  });
}
