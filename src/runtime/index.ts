// governor/runtime: the gate that ships into users' agents. Importing it does no work beyond
// defining things; undici is loaded on the first check. GOVERNOR_GUARD set: the guards go on now.
import "./guard/auto.js";
export {
  GovernorError,
  GovernorDeniedError,
  GovernorUnavailableError,
  GovernorAuthError,
  GovernorProtocolError,
  GovernorConfigError,
  GovernorGuardError,
} from "./errors.js";
export type { GovernorErrorCode } from "./errors.js";
export {
  buildIntent,
  inferIntentEntry,
  loadIntentMap,
  validateIntentMap,
  looksLikePii,
} from "./intent.js";
export type {
  Actor,
  Intent,
  IntentMap,
  IntentMapEntry,
  IntentOverride,
  IntentResource,
  IntentData,
  BuildIntentOptions,
} from "./intent.js";
export { canonicalJson, intentHash, signDecision, verifyDecision } from "./token.js";
export type { SignInput, SignedFields, VerifyInput, VerifyResult, DecisionValue } from "./token.js";
export { createGovernor } from "./governor.js";
export type {
  Governor,
  Decision,
  GateOptions,
  GateFunction,
  GatedResult,
  GovernorStats,
} from "./governor.js";
export type { GovernorOptions, FailMode, Mode } from "./config.js";
export type { BreakerState } from "./breaker.js";
export { withActor, withIntent } from "./context.js";
export {
  getDefaultGovernor,
  gate,
  check,
  close,
  intentScope,
  governedFetch,
  governedSpawn,
  governedWriteFile,
} from "./default.js";
export type { ScopeIntent } from "./scope-intent.js";
export { currentGrant } from "./grant.js";
export type { CurrentGrant, GrantSource } from "./grant.js";
export type { GuardOptions } from "./guard/config.js";
export type { GuardMode, Primitive as GuardPrimitive } from "./guard/state.js";
export { governTools, governMcpServer, governMcpClient } from "./wrappers.js";
export type { GovernOptions } from "./wrappers.js";
export type { GatedBy } from "./gate.js";
