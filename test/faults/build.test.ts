import { killStepSuite } from "../helpers/fault-suites.js";

/**
 * `trueup build` SIGKILLed 20 times (test/helpers/fault-suites.ts): after every kill every canonical
 * table and view is there, equal to the uninterrupted build's. A model is swapped in whole, and a
 * view on a rebuilt table is never left dropped (a table keeps its identity; views are replaced).
 */
killStepSuite("build");
