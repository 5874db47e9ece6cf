// What the Twin24 face's route plugins are given: the store, the engine's control surface and the clock.
// The same as the native API's; kept apart so the face depends on no native route module.
export type { NativeApiDeps as Twin24Deps } from "../../native/deps.ts";
