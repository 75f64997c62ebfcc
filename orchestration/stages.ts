// Importing a stage registers its DAG nodes and executor. Everything that builds the pipeline
// DAG imports this module, so every stage is present however trueup was entered.
import "../reconcile/stage.js";
import "../reverse/stage.js";
