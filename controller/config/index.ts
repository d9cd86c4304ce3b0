// The controller's configuration: upstream's YAML and legacy INI cloud config, VSPHERE_* env
// overrides, validation, credentials Secret formats, and conversion to YAML. See docs/configuration.md.
export { ConfigError, formatProblems } from "./errors.js";
export { applyEnvOverrides, DUAL_STACK_GATE } from "./env.js";
export { parseIniConfig } from "./ini-config.js";
export { parseYamlConfig } from "./yaml-config.js";
export { DEFAULT_SECRETS_DIRECTORY, detectFormat, loadConfig, parseConfig, type LoadOptions } from "./load.js";
export { resolveConfig, resolveWithWarnings } from "./resolve.js";
export { documentToYaml, migrateIni, redactConfig, toYaml, type MigrateResult } from "./write.js";
export { loadCredentialsDirectory, parseCredentials, readSecretsDirectory, type Credential } from "./credentials.js";
export { DEFAULTS, FIELDS, tlsSettingNames, type FieldSpec } from "./schema.js";
export type * from "./types.js";
