/** Option value helpers shared by the commands. */

/** commander argParser for repeatable options: collects every value in order. */
export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Splits `a,b` and repeated flag values into one clean list. */
export function splitList(values: readonly string[] | string | undefined): string[] {
  const list = typeof values === 'string' ? [values] : (values ?? []);
  return list
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}
