/**
 * The answer of the first of several tries of the same read: one starts now, and another every
 * `everyMs` while none has answered, up to `max` in all. For a status read a server may sit on:
 * Patroni's GET /patroni, asked while PostgreSQL does not accept connections yet, sleeps a second
 * in its own retry before it answers, while the same question asked a moment later answers at once.
 * Rejects with the error of the last try to fail once every try started has failed (a refused
 * connection fails the first at once, and nothing more is tried).
 */
export function hedge<T>(attempt: () => Promise<T>, everyMs: number, max: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        let started = 0;
        let failed = 0;
        let settled = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const settle = () => {
            settled = true;
            clearTimeout(timer);
        };
        const start = () => {
            started++;
            attempt().then(
                (v) => {
                    if (settled) return;
                    settle();
                    resolve(v);
                },
                (e) => {
                    failed++;
                    if (settled || failed < started) return;
                    settle();
                    reject(e);
                },
            );
            if (started < max) timer = setTimeout(() => !settled && start(), everyMs);
        };
        start();
    });
}
