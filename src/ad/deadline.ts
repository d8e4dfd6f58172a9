/**
 * One bound for a network step: the work settles, or after `ms` the step is abandoned (`onExpire` tears
 * down what it holds: a resolver's queries, a socket) and fails with a timeout error (code ETIMEOUT).
 */
export class StepTimeout extends Error {
  readonly code = 'ETIMEOUT';
  constructor(
    readonly step: string,
    readonly ms: number,
  ) {
    super(`${step}: no answer in ${seconds(ms)}`);
  }
}

/** 5000 -> "5 s", 2500 -> "2.5 s". */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

export function withDeadline<T>(work: Promise<T>, ms: number, step: string, onExpire?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      try {
        onExpire?.();
      } finally {
        reject(new StepTimeout(step, ms));
      }
    }, ms);
    work.then(
      (v) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
