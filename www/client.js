// Talks to the worker: requests get promises; events for a request go to its listener.
// A failed request rejects with an Error carrying the core's `code` and
// every other detail the core's error had (`field`, `line`, `column`, `page`,
// … as the vocabulary's error_details name them; the worker forwards each);
// the page acts on those.

import { codedError } from './coded-error.js';

export { codedError };

export class WorkerClient {
  constructor(onCrash) {
    this.onCrash = onCrash;
    this.pending = new Map();
    this.nextId = 1;
    this.start();
  }

  start() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => this.onCrash(event.message || 'the worker failed to start');
  }

  /** Ends the worker at once (the only way to stop synchronous work) and starts a fresh one. */
  restart() {
    this.worker.terminate();
    for (const waiter of this.pending.values()) waiter.reject(codedError('Cancelled.', { code: 'cancelled' }));
    this.pending.clear();
    this.start();
  }

  receive(message) {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    if (message.type === 'done') {
      this.pending.delete(message.id);
      waiter.resolve(message);
    } else if (message.type === 'error') {
      this.pending.delete(message.id);
      waiter.reject(codedError(message.message, message.details));
    } else {
      waiter.onEvent?.(message);
    }
  }

  /** Sends a request; `onEvent` receives its intermediate messages. */
  ask(request, onEvent) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onEvent });
      this.worker.postMessage({ ...request, id });
    });
  }
}
