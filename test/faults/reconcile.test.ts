import { killStepSuite } from "../helpers/fault-suites.js";

/**
 * `trueup reconcile` SIGKILLed 20 times (test/helpers/fault-suites.ts): after every kill every recon
 * table and view equals the uninterrupted run's: the lifecycle (discrepancies, events, detail,
 * history, rule status) commits in one piece or not at all.
 */
killStepSuite("reconcile");
