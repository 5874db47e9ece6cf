// The one error a bad configuration value is refused with, naming its variable. On its own so that every
// file of config/ can throw it without importing config.ts (which imports them).

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`invalid configuration: ${variable} ${problem}`);
    this.name = "ConfigError";
  }
}
