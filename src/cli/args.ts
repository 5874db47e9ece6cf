// Argument checks shared by the commands.

/**
 * Refuses positional arguments beyond the `count` a command takes: `outdial import --campaign 2 *.csv`
 * must not import the first file alone and exit 0. `takes` says what the command expects instead.
 */
export function refuseExtraPositionals(positionals: string[], count: number, takes: string): void {
  if (positionals.length > count) throw new Error(`unexpected argument ${positionals[count]}; ${takes}`);
}
