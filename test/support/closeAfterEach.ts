/** What a test starts, closed after it in reverse order (a service before the database it uses). */
export function closeAfterEach(): { track<T extends { close(): Promise<unknown> }>(started: T): T } {
  let started: { close(): Promise<unknown> }[] = [];
  afterEach(async () => {
    const closing = started.reverse();
    started = [];
    for (const thing of closing) await thing.close();
  });
  return {
    track(thing) {
      started.push(thing);
      return thing;
    },
  };
}
